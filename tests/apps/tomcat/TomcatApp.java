// A web app on real embedded Tomcat 10 (what Spring Boot runs on) for `zdd rehearse` tests.
// Healthy by default; the same switchable faults as tests/apps/python/app.py (env vars):
//   FAULT_BOOT_DELAY=S, FAULT_SIGTERM=exit|ignore, FAULT_KEEPALIVE=S, FAULT_MEMORY_MB=N,
//   FAULT_500=1, FAULT_CRASH_AFTER=S; FAULT_RELEASE=vN applies them only on that release.
// Healthy shutdown is what Spring Boot's server.shutdown=graceful does: on SIGTERM pause the
// connector (no new requests), wait for the requests in flight, then stop Tomcat. Healthy
// keep-alive is 100 s (Tomcat's own default, connectionTimeout 20 s, is shorter than the router's
// 90 s): the connector property keepAliveTimeout.
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

public class TomcatApp {
    static final String RELEASE = env("ZDD_RELEASE", "v0");
    static final boolean MINE = env("FAULT_RELEASE", "").isEmpty() || env("FAULT_RELEASE", "").equals(RELEASE);
    static final AtomicInteger INFLIGHT = new AtomicInteger();
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

    public static class Handler extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            INFLIGHT.incrementAndGet();
            try {
                byte[] got = req.getInputStream().readAllBytes();
                if ("/slow".equals(req.getRequestURI())) {
                    String s = req.getParameter("s");
                    Thread.sleep((long) (1000 * Double.parseDouble(s == null ? "2" : s)));
                }
                boolean fail = !fault("FAULT_500", "").isEmpty() ;
                resp.setStatus(fail ? 500 : 200);
                resp.setContentType("application/json");
                resp.setHeader("X-Release", RELEASE);
                resp.getWriter().write("{\"release\": \"" + RELEASE + "\", \"dyno\": \""
                        + env("DYNO", "") + "\", \"got\": " + got.length + "}");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                INFLIGHT.decrementAndGet();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Thread.sleep((long) (1000 * seconds("FAULT_BOOT_DELAY")));
        for (int i = 0; i < (int) seconds("FAULT_MEMORY_MB"); i++) {
            byte[] mb = new byte[1 << 20];
            for (int j = 0; j < mb.length; j += 4096) mb[j] = 1;
            BALLAST.add(mb);
        }
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(System.getProperty("java.io.tmpdir") + "/zdd-tomcat-" + env("PORT", "0"));
        Connector connector = new Connector();
        connector.setPort(Integer.parseInt(env("PORT", "8080")));
        connector.setProperty("address", "127.0.0.1");
        double keepalive = seconds("FAULT_KEEPALIVE");
        connector.setProperty("keepAliveTimeout", String.valueOf(keepalive > 0 ? (long) (keepalive * 1000) : 100000));
        connector.setProperty("maxKeepAliveRequests", "-1");
        // Tomcat looks for idle connections once per socket.timeoutInterval (1 s by default): a
        // 0.3 s keepAliveTimeout would close at about 1 s idle, a race with the tests' 1 s router
        // keepalive (which then sometimes misses the fault); every 50 ms it closes at 0.3 s.
        connector.setProperty("socket.timeoutInterval", "50");
        tomcat.setConnector(connector);
        Context ctx = tomcat.addContext("", null);
        Tomcat.addServlet(ctx, "app", new Handler());
        ctx.addServletMappingDecoded("/*", "app");
        String sigterm = fault("FAULT_SIGTERM", "");
        if (sigterm.equals("ignore")) {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> { });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (sigterm.equals("exit")) {
                Runtime.getRuntime().halt(143); // as an app without graceful shutdown: drops requests
            }
            try {
                connector.pause();
                long wait = (long) (1000 * Double.parseDouble(env("SHUTDOWN_WAIT", "25")));
                long deadline = System.currentTimeMillis() + wait; // under Heroku's 30 s grace
                while (INFLIGHT.get() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
                tomcat.stop();
                tomcat.destroy();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        tomcat.start();
        System.out.println(RELEASE + " " + env("DYNO", "") + " Tomcat listening on " + env("PORT", ""));
        double crash = seconds("FAULT_CRASH_AFTER");
        if (crash > 0 ) {
            Thread.sleep((long) (crash * 1000));
            Runtime.getRuntime().halt(3);
        }
        tomcat.getServer().await();
    }
}
