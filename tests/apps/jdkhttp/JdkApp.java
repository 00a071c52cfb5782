// A web app on the JDK's own com.sun.net.httpserver.HttpServer for `zdd rehearse` tests.
// Healthy by default; the same switchable faults as tests/apps/python/app.py (env vars):
//   FAULT_BOOT_DELAY=S, FAULT_SIGTERM=exit|ignore, FAULT_KEEPALIVE=S, FAULT_MEMORY_MB=N,
//   FAULT_500=1, FAULT_CRASH_AFTER=S; FAULT_RELEASE=vN applies them only on that release.
// Healthy shutdown: on SIGTERM HttpServer.stop(SHUTDOWN_WAIT, default 25 s) closes the listener
// and waits for the exchanges in flight. Keep-alive: the server's idle interval (sun.net.httpserver.idleInterval,
// seconds, JDK default 30 s) is set to 100 s unless FAULT_KEEPALIVE asks for less.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

public class JdkApp {
    static final String RELEASE = env("ZDD_RELEASE", "v0");
    static final boolean MINE = env("FAULT_RELEASE", "").isEmpty() || env("FAULT_RELEASE", "").equals(RELEASE);
    static final List<byte[]> BALLAST = new ArrayList<>();

    static String env(String key, String fallback) {
        String v = System.getenv(key);
        return v == null ? fallback : v;
    }

    static String fault(String key, String fallback) {
        return MINE ? env(key, fallback) : fallback; // FAULT_RELEASE=vN: only that release is faulty
    }

    static double seconds(String key) {
        String v = fault(key, "");
        return v.isEmpty() ? 0 : Double.parseDouble(v);
    }

    public static void main(String[] args) throws Exception {
        double keepalive = seconds("FAULT_KEEPALIVE");
        System.setProperty("sun.net.httpserver.idleInterval", String.valueOf(keepalive > 0 ? (long) Math.max(1, Math.ceil(keepalive)) : 100));
        if (keepalive > 0) System.setProperty("sun.net.httpserver.clockTick", "100");
        Thread.sleep((long) (1000 * seconds("FAULT_BOOT_DELAY")));
        for (int i = 0; i < (int) seconds("FAULT_MEMORY_MB"); i++) {
            byte[] mb = new byte[1 << 20];
            for (int j = 0; j < mb.length; j += 4096) mb[j] = 1;
            BALLAST.add(mb);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(env("PORT", "8080"))), 128);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] got = exchange.getRequestBody().readAllBytes();
            URI uri = exchange.getRequestURI();
            if ("/slow".equals(uri.getPath())) {
                String q = uri.getQuery() == null ? "s=2" : uri.getQuery();
                try {
                    Thread.sleep((long) (1000 * Double.parseDouble(q.replaceAll(".*s=([0-9.]+).*", "$1"))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean fail = !fault("FAULT_500", "").isEmpty() ;
            byte[] body = ("{\"release\": \"" + RELEASE + "\", \"dyno\": \"" + env("DYNO", "")
                    + "\", \"got\": " + got.length + "}").getBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("X-Release", RELEASE);
            exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        String sigterm = fault("FAULT_SIGTERM", "");
        if (sigterm.equals("ignore")) {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> { });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (sigterm.equals("exit")) Runtime.getRuntime().halt(143);
            // stop() waits for every open connection, idle keep-alive ones too: keep it under the
            // 30 s grace (SHUTDOWN_WAIT=S for a scaled-down rehearsal)
            server.stop((int) Math.max(1, Double.parseDouble(env("SHUTDOWN_WAIT", "25"))));
        }));
        server.start();
        System.out.println(RELEASE + " " + env("DYNO", "") + " HttpServer listening on " + env("PORT", ""));
        double crash = seconds("FAULT_CRASH_AFTER");
        if (crash > 0 ) {
            Thread.sleep((long) (crash * 1000));
            Runtime.getRuntime().halt(3);
        }
    }
}
