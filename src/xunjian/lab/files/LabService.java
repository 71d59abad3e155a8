// xunjian lab stand-in for the runbook's Spring Boot jars: a tiny HTTP service whose health is
// backed by the real lab MariaDB (JDBC) and Redis (raw PING). The DB password comes from the
// environment variable named by --db-password-env, never from the command line. With
// --feature wecom-api it also answers runbook 000 part 2's login and downloads (WecomApi.java).
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

public final class LabService {
    private final Map<String, String> opt;
    private final WecomApi wecom;

    private LabService(Map<String, String> opt) {
        this.opt = opt;
        this.wecom = "wecom-api".equals(opt.get("feature")) ? new WecomApi(this::connect) : null;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (!opt.containsKey("listen")) {
            System.err.println("usage: --listen ADDR:PORT[,ADDR:PORT] --name NAME [--db HOST:PORT/DB]"
                    + " [--db-user U] [--db-password-env VAR] [--redis HOST:PORT] [--feature index-latest|wecom-api]");
            System.exit(2);
        }
        LabService service = new LabService(opt);
        for (String listen : opt.get("listen").split(",")) {
            int colon = listen.lastIndexOf(':');
            InetSocketAddress address = new InetSocketAddress(
                    listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
            HttpServer server = HttpServer.create(address, 50);
            server.createContext("/", service::handle);
            server.setExecutor(Executors.newFixedThreadPool(2));
            server.start();
            System.out.println("listening on " + listen);
        }
        System.out.println("started " + opt.getOrDefault("name", "LabService"));
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/health") || path.endsWith("/actuator/health") || path.equals("/api/health")) {
                health(ex);
            } else if (path.equals("/api/index/latest") && "index-latest".equals(opt.get("feature"))) {
                indexLatest(ex);
            } else if (wecom != null && wecom.handles(path)) {
                wecom.handle(ex, path);
            } else if (path.equals("/")) {
                send(ex, 200, "{\"app\":" + quote(opt.getOrDefault("name", "")) + ",\"status\":\"running\"}");
            } else {
                send(ex, 404, "{\"status\":404,\"error\":\"Not Found\",\"path\":" + quote(path) + "}");
            }
        } catch (Exception e) {
            send(ex, 500, "{\"status\":500,\"error\":" + quote(String.valueOf(e.getMessage())) + "}");
        } finally {
            ex.close();
        }
    }

    private void health(HttpExchange ex) throws IOException {
        StringBuilder body = new StringBuilder();
        boolean up = true;
        body.append("\"app\":").append(quote(opt.getOrDefault("name", "")));
        if (opt.containsKey("db")) {
            String err = checkDb();
            up &= err == null;
            body.append(",\"db\":").append(quote(err == null ? "UP" : "DOWN: " + err));
        }
        if (opt.containsKey("redis")) {
            String err = checkRedis();
            up &= err == null;
            body.append(",\"redis\":").append(quote(err == null ? "UP" : "DOWN: " + err));
        }
        send(ex, up ? 200 : 503, "{\"status\":\"" + (up ? "UP" : "DOWN") + "\"," + body + "}");
    }

    private Connection connect() throws Exception {
        String url = "jdbc:mariadb://" + opt.get("db") + "?connectTimeout=2000&socketTimeout=3000";
        String password = System.getenv(opt.getOrDefault("db-password-env", "THQH_MYSQL_PASSWORD"));
        DriverManager.setLoginTimeout(3);
        return DriverManager.getConnection(url, opt.getOrDefault("db-user", "root"), password);
    }

    private String checkDb() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(3);
            s.executeQuery("SELECT 1").close();
            return null;
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private String checkRedis() {
        String target = opt.get("redis");
        int colon = target.lastIndexOf(':');
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress(target.substring(0, colon),
                    Integer.parseInt(target.substring(colon + 1))), 2000);
            sock.setSoTimeout(2000);
            sock.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[64];
            InputStream in = sock.getInputStream();
            int n = in.read(buf);
            String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
            return reply.startsWith("+PONG") ? null : "unexpected reply " + reply.trim();
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private void indexLatest(HttpExchange ex) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.setQueryTimeout(3);
            ResultSet rs = s.executeQuery(
                    "SELECT trade_date, index_name, price, change_pct FROM index_price"
                    + " ORDER BY trade_date DESC, id LIMIT 5");
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder("{");
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    if (i > 1) row.append(',');
                    row.append(quote(md.getColumnLabel(i))).append(':').append(quote(rs.getString(i)));
                }
                rows.add(row.append('}').toString());
            }
        } catch (Exception e) {
            send(ex, 503, "{\"code\":503,\"msg\":" + quote("database unavailable: " + e.getMessage()) + "}");
            return;
        }
        send(ex, 200, "{\"code\":0,\"msg\":\"ok\",\"data\":[" + String.join(",", rows) + "]}");
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') out.append('\\').append(ch);
            else if (ch < 0x20) out.append(String.format("\\u%04x", (int) ch));
            else out.append(ch);
        }
        return out.append('"').toString();
    }

    static void send(HttpExchange ex, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}
