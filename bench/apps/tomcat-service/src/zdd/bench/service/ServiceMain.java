package zdd.bench.service;

import jakarta.servlet.http.HttpServlet;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

/**
 * A small service on embedded Tomcat 10 for zdd's JVM benchmark and buildpack tests.
 *
 * <p>Routes: GET /api/catalog (JSON, priced products), GET /api/orders/{id} (JSON), POST /api/quote
 * (JSON in, JSON out), GET /api/slow?ms=N (sleeps, for in-flight requests at SIGTERM), GET /health.
 *
 * <p>Listens on $PORT (127.0.0.1). Server settings come from the system properties Spring Boot binds
 * for Tomcat, read here the way Boot applies them, so that the benchmark measures what zdd's
 * defaults do to a Tomcat connector: server.tomcat.keep-alive-timeout (else the connector's
 * connection timeout, Tomcat's 60 s unless server.tomcat.connection-timeout says otherwise),
 * server.shutdown=graceful (stop accepting, let requests in flight finish) and
 * spring.lifecycle.timeout-per-shutdown-phase (the bound on that wait, Boot's 30 s default).
 * Without server.shutdown=graceful, SIGTERM stops Tomcat at once, as a plain embedded Tomcat does.
 */
public final class ServiceMain {
    private ServiceMain() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        int port = Integer.parseInt(System.getenv("PORT"));
        Catalog catalog = Catalog.seeded(Integer.parseInt(env("APP_PRODUCTS", "200")));
        OrderBook orders = OrderBook.seeded(catalog, 500);
        Pricing pricing = Pricing.standard();

        Tomcat tomcat = new Tomcat();
        File base = Files.createTempDirectory("tomcat-service").toFile();
        base.deleteOnExit();
        tomcat.setBaseDir(base.getAbsolutePath());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        Duration connectionTimeout = durationProperty("server.tomcat.connection-timeout");
        if (connectionTimeout != null) {
            connector.setProperty("connectionTimeout", Long.toString(connectionTimeout.toMillis()));
        }
        Duration keepAlive = durationProperty("server.tomcat.keep-alive-timeout");
        if (keepAlive != null) {
            connector.setProperty("keepAliveTimeout", Long.toString(keepAlive.toMillis()));
        }
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);

        // Tomcat.addContext would scan servlet annotations, which needs the jakarta.annotation API
        // (not in Debian's embed jars); the servlets are registered here, so nothing is scanned.
        StandardContext context = new StandardContext();
        context.setName("");
        context.setPath("");
        context.setDocBase(base.getAbsolutePath());
        context.addLifecycleListener(event -> {
            if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
                context.setConfigured(true);
            }
        });
        tomcat.getHost().addChild(context);
        add(tomcat, context, "catalog", new CatalogServlet(catalog, pricing), "/api/catalog");
        add(tomcat, context, "orders", new OrderServlet(orders, pricing), "/api/orders/*");
        add(tomcat, context, "quote", new QuoteServlet(catalog, pricing), "/api/quote");
        add(tomcat, context, "slow", new SlowServlet(), "/api/slow");
        add(tomcat, context, "health", new HealthServlet(), "/health");
        tomcat.start();

        boolean graceful = "graceful".equals(System.getProperty("server.shutdown"));
        Duration phase = durationProperty("spring.lifecycle.timeout-per-shutdown-phase");
        long drainMillis = phase == null ? 30_000 : phase.toMillis();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(tomcat, graceful, drainMillis)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("tomcat-service: listening on " + port + " after " + ms + " ms"
                + " (keepAliveTimeout=" + connector.getProperty("keepAliveTimeout") + " ms, shutdown="
                + (graceful ? "graceful " + drainMillis + " ms" : "immediate") + ")");
        tomcat.getServer().await();
    }

    private static void add(Tomcat tomcat, Context context, String name, HttpServlet servlet,
            String pattern) {
        Tomcat.addServlet(context, name, servlet);
        context.addServletMappingDecoded(pattern, name);
    }

    /** Boot's graceful shutdown: close the listening socket, wait for requests in flight, stop. */
    private static void stop(Tomcat tomcat, boolean graceful, long drainMillis) {
        try {
            if (graceful) {
                Connector connector = tomcat.getConnector();
                connector.getProtocolHandler().closeServerSocketGraceful();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
                while (BaseServlet.IN_FLIGHT.get() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            tomcat.stop();
            tomcat.destroy();
        } catch (Exception e) {
            System.err.println("tomcat-service: stop failed: " + e);
        }
    }

    /** Spring Boot's Duration format: "95s", "950ms", "2m", or a bare number of milliseconds. */
    static Duration durationProperty(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        } else if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        } else if (v.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofMillis(Long.parseLong(v));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
