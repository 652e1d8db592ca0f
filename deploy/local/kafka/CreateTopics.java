import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the topics listed in deploy/kafka-topics.txt that do not exist yet (run with the broker's jars on the classpath). */
public class CreateTopics {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        List<NewTopic> wanted = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            Map<String, String> configs = new HashMap<>();
            if (f.length > 2) {
                for (String kv : f[2].split(",")) {
                    String[] p = kv.split("=", 2);
                    configs.put(p[0], p[1]);
                }
            }
            wanted.add(new NewTopic(f[0], Integer.parseInt(f[1]), (short) 1).configs(configs));
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            System.out.println("topics ready: " + wanted.stream().map(NewTopic::name).toList() + " (created " + missing.size() + ")");
        }
    }
}
