// xunjian lab stand-in for enterprise_wechat_backend's API (runbook 000 part 2, 每周任务):
//   POST /api/user/login                  {username, password} checked against sys_user; answers
//                                         code=0 and data.access_token, a token that expires
//   POST /api/wechat/{customer,user,groupchat,chatdata}/download
//                                         with Authorization: Bearer <token>; copies the rows of
//                                         upstream_<kind> (the lab's stand-in for WeCom's cloud)
//                                         that wx_<table> lacks, and answers code=0 and the count
// Faults are rows of thqh_enterprise_wechat.lab_control, read on every request (`up` and `seed`
// empty the table):
//   token_ttl_seconds = N      tokens live N seconds (default 7200; 0: expired at once)
//   fail_download     = KIND   that download answers code=500 and writes nothing
//   noop_download     = KIND   that download answers code=0 and writes nothing
//   token_prefix      = TEXT   tokens start with TEXT (default "ewc."): a canary to look for
import com.sun.net.httpserver.HttpExchange;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class WecomApi {
    interface Db {
        Connection connect() throws Exception;
    }

    private static final Pattern DOWNLOAD =
            Pattern.compile("^/api/wechat/(customer|user|groupchat|chatdata)/download$");
    private static final Map<String, String> TABLES = Map.of(
            "customer", "wx_customer", "user", "wx_user",
            "groupchat", "wx_groupchat", "chatdata", "wx_chat_record");
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Db db;

    WecomApi(Db db) {
        this.db = db;
    }

    boolean handles(String path) {
        return path.equals("/api/user/login") || DOWNLOAD.matcher(path).matches();
    }

    void handle(HttpExchange ex, String path) throws Exception {
        if (!"POST".equals(ex.getRequestMethod())) {
            LabService.send(ex, 405, "{\"code\":405,\"msg\":\"Request method '"
                    + ex.getRequestMethod() + "' not supported\"}");
            return;
        }
        try (Connection c = db.connect()) {
            Matcher m = DOWNLOAD.matcher(path);
            if (m.matches()) {
                download(ex, c, m.group(1));
            } else {
                login(ex, c);
            }
        }
    }

    private void login(HttpExchange ex, Connection c) throws Exception {
        String body = readBody(ex);
        String user = field(body, "username");
        String pass = field(body, "password");
        if (user == null || pass == null) {
            LabService.send(ex, 200, "{\"code\":400,\"msg\":\"用户名和密码不能为空\"}");
            return;
        }
        String stored = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT password FROM sys_user WHERE username = ?")) {
            ps.setQueryTimeout(3);
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) stored = rs.getString(1);
            }
        }
        // a stored bcrypt hash never matches: the lab has no bcrypt, like a client that sends one
        if (stored == null || stored.startsWith("$2") || !MessageDigest.isEqual(
                stored.getBytes(StandardCharsets.UTF_8), pass.getBytes(StandardCharsets.UTF_8))) {
            LabService.send(ex, 200, "{\"code\":1,\"msg\":\"用户名或密码错误\"}");
            return;
        }
        int ttl = Integer.parseInt(control(c, "token_ttl_seconds", "7200"));
        byte[] raw = new byte[24];
        RANDOM.nextBytes(raw);
        String token = control(c, "token_prefix", "ewc.") + HexFormat.of().formatHex(raw);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_token (token, username, expires_at)"
                + " VALUES (?, ?, TIMESTAMPADD(SECOND, ?, NOW(3)))")) {
            ps.setQueryTimeout(3);
            ps.setString(1, token);
            ps.setString(2, user);
            ps.setInt(3, ttl);
            ps.executeUpdate();
        }
        LabService.send(ex, 200, "{\"code\":0,\"msg\":\"登录成功\",\"data\":{\"access_token\":"
                + LabService.quote(token) + ",\"token_type\":\"Bearer\",\"expires_in\":" + ttl + "}}");
    }

    private void download(HttpExchange ex, Connection c, String kind) throws Exception {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            LabService.send(ex, 401, "{\"code\":401,\"msg\":\"未登录：缺少 Authorization: Bearer token\"}");
            return;
        }
        Boolean alive = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT expires_at > NOW(3) FROM api_token WHERE token = ?")) {
            ps.setQueryTimeout(3);
            ps.setString(1, auth.substring(7).trim());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) alive = rs.getBoolean(1);
            }
        }
        if (alive == null || !alive) {
            String msg = alive == null ? "token无效，请重新登录" : "token已过期，请重新登录";
            LabService.send(ex, 401, "{\"code\":401,\"msg\":\"" + msg + "\"}");
            return;
        }
        if (kind.equals(control(c, "fail_download", ""))) {
            LabService.send(ex, 200, "{\"code\":500,\"msg\":\"拉取失败：企业微信接口返回 errcode=-1 系统繁忙\"}");
            return;
        }
        int fetched = 0;
        if (!kind.equals(control(c, "noop_download", ""))) {
            String table = TABLES.get(kind);
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(10);
                fetched = s.executeUpdate("INSERT INTO " + table + " SELECT u.* FROM upstream_" + kind
                        + " u WHERE u.id NOT IN (SELECT id FROM " + table + ")");
            }
        }
        LabService.send(ex, 200, "{\"code\":0,\"msg\":\"ok\",\"data\":{\"fetched\":" + fetched + "}}");
    }

    private static String control(Connection c, String name, String fallback) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM lab_control WHERE name = ?")) {
            ps.setQueryTimeout(3);
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : fallback;
            }
        }
    }

    private static String readBody(HttpExchange ex) throws Exception {
        try (InputStream in = ex.getRequestBody()) {
            return new String(in.readNBytes(65536), StandardCharsets.UTF_8);
        }
    }

    /** A string field of a flat JSON object, or of a form-encoded body. */
    static String field(String body, String name) {
        String text = body.trim();
        if (!text.startsWith("{")) {
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        if (!m.find()) return null;
        StringBuilder out = new StringBuilder();
        String s = m.group(1);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 >= s.length()) {
                out.append(ch);
                continue;
            }
            char esc = s.charAt(++i);
            switch (esc) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(esc);
            }
        }
        return out.toString();
    }
}
