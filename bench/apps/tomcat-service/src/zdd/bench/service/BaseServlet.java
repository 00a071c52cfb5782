package zdd.bench.service;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests in flight (graceful shutdown waits for them) and writes JSON answers. */
abstract class BaseServlet extends HttpServlet {
    static final AtomicInteger IN_FLIGHT = new AtomicInteger();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp)
            throws ServletException, IOException {
        IN_FLIGHT.incrementAndGet();
        try {
            super.service(req, resp);
        } finally {
            IN_FLIGHT.decrementAndGet();
        }
    }

    static void json(HttpServletResponse resp, int status, Json.Writer body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    static void error(HttpServletResponse resp, int status, String message) throws IOException {
        json(resp, status, new Json.Writer().object().field("error", message).end());
    }
}

final class CatalogServlet extends BaseServlet {
    private final transient Catalog catalog;
    private final transient Pricing pricing;

    CatalogServlet(Catalog catalog, Pricing pricing) {
        this.catalog = catalog;
        this.pricing = pricing;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String category = req.getParameter("category");
        Json.Writer out = new Json.Writer().object().name("products").array();
        for (Product p : catalog.search(category, 40)) {
            Quote q = pricing.quote(p, 1, Customer.ANONYMOUS);
            out.object().field("sku", p.sku()).field("name", p.name()).field("category",
                    p.category().label()).field("price", q.total().toString()).field("tags",
                    String.join(",", p.tags())).end();
        }
        json(resp, 200, out.end().field("count", catalog.size()).end());
    }
}

final class OrderServlet extends BaseServlet {
    private final transient OrderBook orders;
    private final transient Pricing pricing;

    OrderServlet(OrderBook orders, Pricing pricing) {
        this.orders = orders;
        this.pricing = pricing;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo().replace("/", "");
        Order order;
        try {
            order = orders.find(Integer.parseInt(path));
        } catch (NumberFormatException e) {
            error(resp, 400, "order id must be a number");
            return;
        }
        if (order == null) {
            error(resp, 404, "no such order");
            return;
        }
        Json.Writer out = new Json.Writer().object().field("id", order.id())
                .field("customer", order.customer().name()).name("lines").array();
        Money total = Money.ZERO;
        for (OrderLine line : order.lines()) {
            Quote q = pricing.quote(line.product(), line.quantity(), order.customer());
            total = total.plus(q.total());
            out.object().field("sku", line.product().sku()).field("quantity", line.quantity())
                    .field("total", q.total().toString()).field("rules", q.applied()).end();
        }
        json(resp, 200, out.end().field("total", total.toString()).end());
    }
}

final class QuoteServlet extends BaseServlet {
    private final transient Catalog catalog;
    private final transient Pricing pricing;

    QuoteServlet(Catalog catalog, Pricing pricing) {
        this.catalog = catalog;
        this.pricing = pricing;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        java.util.Map<String, Object> in;
        try {
            in = Json.parseObject(body);
        } catch (IllegalArgumentException e) {
            error(resp, 400, "bad JSON: " + e.getMessage());
            return;
        }
        Product p = catalog.bySku(String.valueOf(in.get("sku")));
        if (p == null) {
            error(resp, 404, "no such sku");
            return;
        }
        int quantity = ((Number) in.getOrDefault("quantity", 1)).intValue();
        Customer customer = Customer.of(String.valueOf(in.getOrDefault("customer", "anon")));
        Quote q = pricing.quote(p, quantity, customer);
        json(resp, 200, new Json.Writer().object().field("sku", p.sku()).field("quantity", quantity)
                .field("total", q.total().toString()).field("rules", q.applied()).end());
    }
}

final class SlowServlet extends BaseServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long ms = Long.parseLong(req.getParameter("ms") == null ? "1000" : req.getParameter("ms"));
        // Work that does not stop when interrupted (a JDBC call, say): Tomcat's stop interrupts
        // its workers, and a request like this one still takes its time.
        long deadline = System.nanoTime() + ms * 1_000_000;
        boolean interrupted = false;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        json(resp, 200, new Json.Writer().object().field("slept_ms", ms).end());
    }
}

final class HealthServlet extends BaseServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        json(resp, 200, new Json.Writer().object().field("status", "ok").end());
    }
}
