package zdd.bench.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/** Money in cents, with the rounding a shop needs. */
record Money(long cents) implements Comparable<Money> {
    static final Money ZERO = new Money(0);

    static Money of(String amount) {
        return new Money(new BigDecimal(amount).movePointRight(2).setScale(0, RoundingMode.HALF_UP)
                .longValueExact());
    }

    Money plus(Money other) {
        return new Money(cents + other.cents);
    }

    Money times(int quantity) {
        return new Money(cents * quantity);
    }

    Money percentOff(int percent) {
        return new Money(BigDecimal.valueOf(cents).multiply(BigDecimal.valueOf(100 - percent))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.HALF_EVEN).longValue());
    }

    @Override
    public int compareTo(Money other) {
        return Long.compare(cents, other.cents);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d.%02d", cents / 100, Math.abs(cents % 100));
    }
}

enum Category {
    BOOKS("Books", 0), GAMES("Games", 5), TOOLS("Tools", 10), GARDEN("Garden", 0), FOOD("Food", 15);

    private final String label;
    private final int promo;

    Category(String label, int promo) {
        this.label = label;
        this.promo = promo;
    }

    String label() {
        return label;
    }

    int promo() {
        return promo;
    }
}

record Product(String sku, String name, Category category, Money price, List<String> tags) {}

record Customer(String name, Tier tier) {
    static final Customer ANONYMOUS = new Customer("anon", Tier.GUEST);

    enum Tier { GUEST, MEMBER, GOLD }

    static Customer of(String name) {
        Tier tier = name.startsWith("gold-") ? Tier.GOLD
                : name.equals("anon") ? Tier.GUEST : Tier.MEMBER;
        return new Customer(name, tier);
    }
}

record OrderLine(Product product, int quantity) {}

record Order(int id, Customer customer, List<OrderLine> lines) {}

record Quote(Money total, List<String> applied) {}

/** The products, indexed by sku and category. */
final class Catalog {
    private final Map<String, Product> bySku = new HashMap<>();
    private final Map<Category, List<Product>> byCategory = new HashMap<>();

    static Catalog seeded(int size) {
        Catalog catalog = new Catalog();
        Random random = new Random(42);
        String[] words = {"amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor"};
        for (int i = 0; i < size; i++) {
            Category category = Category.values()[i % Category.values().length];
            String name = words[random.nextInt(words.length)] + " " + words[random.nextInt(words.length)];
            List<String> tags = List.of(words[i % words.length], category.label().toLowerCase(Locale.ROOT));
            Money price = Money.of(String.format(Locale.ROOT, "%d.%02d", 1 + random.nextInt(90),
                    random.nextInt(100)));
            catalog.add(new Product(String.format(Locale.ROOT, "SKU-%05d", i), name, category, price, tags));
        }
        return catalog;
    }

    void add(Product product) {
        bySku.put(product.sku(), product);
        byCategory.computeIfAbsent(product.category(), c -> new ArrayList<>()).add(product);
    }

    Product bySku(String sku) {
        return bySku.get(sku);
    }

    int size() {
        return bySku.size();
    }

    List<Product> search(String category, int limit) {
        return bySku.values().stream()
                .filter(p -> category == null || p.category().label().equalsIgnoreCase(category))
                .sorted(Comparator.comparing(Product::price).reversed().thenComparing(Product::sku))
                .limit(limit)
                .collect(Collectors.toList());
    }

    List<Product> all() {
        return new ArrayList<>(bySku.values());
    }
}

/** Orders kept in memory, seeded at boot. */
final class OrderBook {
    private final Map<Integer, Order> orders = new HashMap<>();

    static OrderBook seeded(Catalog catalog, int count) {
        OrderBook book = new OrderBook();
        List<Product> products = catalog.all();
        products.sort(Comparator.comparing(Product::sku));
        Random random = new Random(7);
        for (int id = 1; id <= count; id++) {
            List<OrderLine> lines = new ArrayList<>();
            for (int j = 0; j < 1 + random.nextInt(6); j++) {
                lines.add(new OrderLine(products.get(random.nextInt(products.size())), 1 + random.nextInt(12)));
            }
            String customer = (id % 5 == 0 ? "gold-" : "member-") + id;
            book.orders.put(id, new Order(id, Customer.of(customer), lines));
        }
        return book;
    }

    Order find(int id) {
        return orders.get(id);
    }
}

/** One pricing rule: may change the running total and says so. */
interface PricingRule {
    Money apply(Product product, int quantity, Customer customer, Money total, List<String> applied);
}

final class CategoryPromo implements PricingRule {
    @Override
    public Money apply(Product product, int quantity, Customer customer, Money total, List<String> applied) {
        int promo = product.category().promo();
        if (promo == 0) {
            return total;
        }
        applied.add("promo-" + promo);
        return total.percentOff(promo);
    }
}

final class BulkDiscount implements PricingRule {
    @Override
    public Money apply(Product product, int quantity, Customer customer, Money total, List<String> applied) {
        if (quantity < 10) {
            return total;
        }
        applied.add("bulk");
        return total.percentOff(7);
    }
}

final class TierDiscount implements PricingRule {
    @Override
    public Money apply(Product product, int quantity, Customer customer, Money total, List<String> applied) {
        return switch (customer.tier()) {
            case GOLD -> {
                applied.add("gold");
                yield total.percentOff(12);
            }
            case MEMBER -> {
                applied.add("member");
                yield total.percentOff(3);
            }
            case GUEST -> total;
        };
    }
}

final class SalesTax implements PricingRule {
    @Override
    public Money apply(Product product, int quantity, Customer customer, Money total, List<String> applied) {
        if (product.category() == Category.FOOD) {
            return total;
        }
        applied.add("tax");
        return new Money(BigDecimal.valueOf(total.cents()).multiply(new BigDecimal("1.0825"))
                .setScale(0, RoundingMode.HALF_UP).longValue());
    }
}

/** The rules in order. */
final class Pricing {
    private final List<PricingRule> rules;

    private Pricing(List<PricingRule> rules) {
        this.rules = rules;
    }

    static Pricing standard() {
        return new Pricing(List.of(new CategoryPromo(), new BulkDiscount(), new TierDiscount(),
                new SalesTax()));
    }

    Quote quote(Product product, int quantity, Customer customer) {
        List<String> applied = new ArrayList<>();
        Money total = product.price().times(quantity);
        for (PricingRule rule : rules) {
            total = rule.apply(product, quantity, customer, total, applied);
        }
        return new Quote(total, applied);
    }
}
