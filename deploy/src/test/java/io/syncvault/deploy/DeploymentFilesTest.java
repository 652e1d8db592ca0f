package io.syncvault.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml, the Kubernetes manifests and the Dockerfiles must agree with what each service
 * itself reads: its name, its port, the environment keys it knows, the keys it cannot start without,
 * and the health paths Quarkus serves.
 */
class DeploymentFilesTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    static final Pattern PORT = Pattern.compile("(?m)^quarkus\\.http\\.port=\\$\\{SYNCVAULT_HTTP_PORT:(\\d+)}");
    /** Keys the container images read themselves, not the application. */
    static final Set<String> IMAGE_KEYS = Set.of("JAVA_OPTS_APPEND", "JAVA_OPTS", "JAVA_APP_JAR");

    /** What a service's application.properties says about itself. */
    record ServiceConfig(String name, int port, Set<String> knownKeys, Set<String> requiredKeys) {

        static ServiceConfig of(String name) throws IOException {
            String props = Files.readString(ROOT.resolve(name).resolve("src/main/resources/application.properties"));
            Matcher port = PORT.matcher(props);
            assertThat(port.find()).as("%s declares quarkus.http.port=${SYNCVAULT_HTTP_PORT:...}", name).isTrue();
            Set<String> known = new HashSet<>();
            Set<String> required = new HashSet<>();
            Matcher ref = ENV_REF.matcher(props);
            while (ref.find()) {
                known.add(ref.group(1));
                if (ref.group(2) == null || ref.group(2).isEmpty()) {
                    required.add(ref.group(1));
                }
            }
            // every property can also be set through its environment form (a.b-c -> A_B_C)
            for (String line : props.split("\n")) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    known.add(line.substring(0, eq).replaceFirst("^%[a-z]+\\.", "").toUpperCase()
                            .replaceAll("[^A-Z0-9]", "_"));
                }
            }
            return new ServiceConfig(name, Integer.parseInt(port.group(1)), known, required);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"storage-gateway", "sync-service", "backup-service", "state-service"})
    void composeAgreesWithTheService(String name) throws IOException {
        ServiceConfig service = ServiceConfig.of(name);
        Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml")).get(0);
        Map<String, Object> definition = map(map(compose.get("services")).get(name));
        assertThat(definition).as("docker-compose.yml defines %s", name).isNotNull();

        Map<String, Object> build = map(definition.get("build"));
        assertThat(build.get("context")).isEqualTo("./" + name);
        assertThat(build.get("dockerfile")).isEqualTo("src/main/docker/Dockerfile.jvm");
        assertThat(list(definition.get("ports"))).contains(service.port() + ":" + service.port());

        Map<String, String> env = stringMap(definition.get("environment"));
        assertThat(env.get("SYNCVAULT_HTTP_PORT")).isEqualTo(String.valueOf(service.port()));
        assertThat(env.keySet()).as("environment keys %s reads", name).isSubsetOf(union(service.knownKeys(), IMAGE_KEYS));
        assertThat(env.keySet()).as("keys %s cannot start without", name).containsAll(service.requiredKeys());

        String healthcheck = list(map(definition.get("healthcheck")).get("test")).toString();
        assertThat(healthcheck).contains("http://localhost:" + service.port() + "/q/health/ready");
    }

    @ParameterizedTest
    @ValueSource(strings = {"storage-gateway", "sync-service", "backup-service", "state-service"})
    void kubernetesAgreesWithTheService(String name) throws IOException {
        ServiceConfig service = ServiceConfig.of(name);
        List<Map<String, Object>> docs = yaml(ROOT.resolve("deploy/kubernetes").resolve(name + ".yaml"));
        Map<String, Object> deployment = find(docs, "Deployment", name);
        Map<String, Object> svc = find(docs, "Service", name);
        Map<String, String> configMap = stringMap(map(find(yaml(ROOT.resolve("deploy/kubernetes/configmap.yaml")),
                "ConfigMap", "syncvault-config").get("data")));

        Map<String, Object> container = map(list(map(map(map(deployment.get("spec")).get("template")).get("spec"))
                .get("containers")).get(0));
        Map<String, Object> port = map(list(container.get("ports")).get(0));
        assertThat(port.get("containerPort")).isEqualTo(service.port());
        assertThat(port.get("name")).isEqualTo("http");

        Map<String, Object> servicePort = map(list(map(svc.get("spec")).get("ports")).get(0));
        assertThat(servicePort.get("port")).isEqualTo(service.port());
        assertThat(servicePort.get("targetPort")).isEqualTo("http");

        assertThat(probe(container, "readinessProbe")).isEqualTo("/q/health/ready");
        assertThat(probe(container, "livenessProbe")).isEqualTo("/q/health/live");
        assertThat(probe(container, "startupProbe")).isEqualTo("/q/health/started");
        assertThat(map(map(container.get("resources")).get("requests"))).containsKeys("cpu", "memory");

        Set<String> env = new HashSet<>();
        for (Object e : list(container.get("env"))) {
            env.add((String) map(e).get("name"));
        }
        assertThat(env).as("env of %s", name).isSubsetOf(union(service.knownKeys(), IMAGE_KEYS));
        // shared settings come from the ConfigMap; the service must know the ones it is handed
        Set<String> all = union(env, configMap.keySet());
        assertThat(all).as("keys %s cannot start without", name).containsAll(service.requiredKeys());
        assertThat(map(list(container.get("envFrom")).get(0)).get("configMapRef")).isEqualTo(Map.of("name", "syncvault-config"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"storage-gateway", "sync-service", "backup-service", "state-service"})
    void dockerfileExposesTheServicePort(String name) throws IOException {
        ServiceConfig service = ServiceConfig.of(name);
        String dockerfile = Files.readString(ROOT.resolve(name).resolve("src/main/docker/Dockerfile.jvm"));
        assertThat(dockerfile).contains("EXPOSE " + service.port()).contains("target/quarkus-app/");
    }

    @org.junit.jupiter.api.Test
    void kustomizationListsEveryManifest() throws IOException {
        Map<String, Object> kustomization = yaml(ROOT.resolve("deploy/kubernetes/kustomization.yaml")).get(0);
        List<Object> resources = list(kustomization.get("resources"));
        try (var files = Files.list(ROOT.resolve("deploy/kubernetes"))) {
            List<String> manifests = files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml")).toList();
            assertThat(resources).containsExactlyInAnyOrderElementsOf(manifests);
        }
    }

    @org.junit.jupiter.api.Test
    void composeCreatesTheTopicsTheServicesUse() throws IOException {
        Set<String> topics = new HashSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/kafka-topics.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                topics.add(line.trim().split("\\s+")[0]);
            }
        }
        for (String name : List.of("storage-gateway", "sync-service", "backup-service", "state-service")) {
            String props = Files.readString(ROOT.resolve(name).resolve("src/main/resources/application.properties"));
            Matcher topic = Pattern.compile("(?m)^mp\\.messaging\\.[a-z]+\\.[a-z-]+\\.topic=(.+)$").matcher(props);
            while (topic.find()) {
                String used = resolve(props, topic.group(1).trim());
                assertThat(topics).as("topic %s used by %s", used, name).contains(used);
            }
        }
    }

    /** Resolves {@code ${some.key}} to that key's value, and {@code ${ENV:default}} to the default. */
    private static String resolve(String props, String value) {
        Matcher ref = Pattern.compile("^\\$\\{([^:}]+)(?::(.*))?}$").matcher(value);
        if (!ref.matches()) {
            return value;
        }
        if (ref.group(1).matches("[A-Z][A-Z0-9_]*")) {
            return resolve(props, ref.group(2));
        }
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(ref.group(1)) + "=(.+)$").matcher(props);
        assertThat(line.find()).as("property %s is defined", ref.group(1)).isTrue();
        return resolve(props, line.group(1).trim());
    }

    private static String probe(Map<String, Object> container, String kind) {
        Map<String, Object> get = map(map(container.get(kind)).get("httpGet"));
        assertThat(get.get("port")).as(kind).isEqualTo("http");
        return (String) get.get("path");
    }

    private static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d.get("metadata")).get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }

    private static List<Map<String, Object>> yaml(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml(options).loadAll(reader)) {
                if (doc != null) {
                    docs.add(map(doc));
                }
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of(String.valueOf(o));
    }

    private static Map<String, String> stringMap(Object o) {
        Map<String, String> out = new HashMap<>();
        map(o).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
