package io.syncvault.state.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Three-way, per-field merge of two JSON versions against their last common version. Objects
 * merge field by field (recursively); anything else is one value. A field changed on one side
 * only takes that side's value (including removal); changed identically on both sides it
 * takes that value; changed differently on both sides it is a conflict. Without a common
 * version every field that differs is a conflict. The result does not depend on which side is
 * called local, so replicas merging the same pair get the same data.
 */
public final class JsonMerge {

    /** The merged value (meaningful only when {@code conflicts} is empty) and the conflicting paths. */
    public record Result(JsonNode merged, List<String> conflicts) {
        public boolean clean() {
            return conflicts.isEmpty();
        }
    }

    private JsonMerge() {
    }

    /**
     * @param base   the last common version, or null when it is not known
     * @param local  one side
     * @param remote the other side
     */
    public static Result merge(JsonNode base, JsonNode local, JsonNode remote) {
        List<String> conflicts = new ArrayList<>();
        JsonNode merged = merge(base, orMissing(local), orMissing(remote), "", conflicts);
        return new Result(merged, List.copyOf(conflicts));
    }

    private static JsonNode merge(JsonNode base, JsonNode local, JsonNode remote, String path, List<String> conflicts) {
        if (same(local, remote)) {
            return local;
        }
        if (base != null && same(base, local)) {
            return remote;
        }
        if (base != null && same(base, remote)) {
            return local;
        }
        if (local.isObject() && remote.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            TreeSet<String> fields = new TreeSet<>();
            local.fieldNames().forEachRemaining(fields::add);
            remote.fieldNames().forEachRemaining(fields::add);
            for (String field : fields) {
                JsonNode b = base == null ? null : base.isObject() ? orMissing(base.get(field)) : MissingNode.getInstance();
                JsonNode m = merge(b, orMissing(local.get(field)), orMissing(remote.get(field)), path + "/" + field,
                        conflicts);
                if (!m.isMissingNode()) {
                    out.set(field, m);
                }
            }
            return out;
        }
        conflicts.add(path.isEmpty() ? "/" : path);
        return local;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isMissingNode() || b.isMissingNode()) {
            return a.isMissingNode() && b.isMissingNode();
        }
        return CanonicalJson.equal(a, b);
    }

    private static JsonNode orMissing(JsonNode n) {
        return n == null ? MissingNode.getInstance() : n;
    }

}
