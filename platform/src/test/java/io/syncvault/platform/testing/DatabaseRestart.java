package io.syncvault.platform.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/** A restart or failover of the database as a service's pool sees it: every session of its database ended. */
public final class DatabaseRestart {

    private DatabaseRestart() {
    }

    /** Leaves {@code n} idle connections in the pool: taken all at once, then given back. */
    public static void idleConnections(DataSource pool, int n) throws SQLException {
        List<Connection> taken = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                taken.add(pool.getConnection());
            }
        } finally {
            for (Connection c : taken) {
                c.close();
            }
        }
    }

    /**
     * Ends every session on the service's database (the server closes them), but the one this uses: the database
     * of the running test's {@code quarkus.datasource} settings.
     */
    public static void endSessions() throws SQLException {
        Config config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        String user = config.getValue("quarkus.datasource.username", String.class);
        String password = config.getOptionalValue("quarkus.datasource.password", String.class).orElse("");
        try (Connection admin = DriverManager.getConnection(url, user, password);
                Statement s = admin.createStatement()) {
            s.execute("select pg_terminate_backend(pid) from pg_stat_activity"
                    + " where datname = current_database() and pid <> pg_backend_pid()");
        }
    }
}
