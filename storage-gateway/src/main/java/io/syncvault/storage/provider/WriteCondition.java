package io.syncvault.storage.provider;

/**
 * A precondition on a write: {@code ifMatch} replaces only that version; {@code ifNoneMatch}
 * creates only when nothing is stored under the key.
 */
public record WriteCondition(String ifMatch, boolean ifNoneMatch) {

    public static final WriteCondition NONE = new WriteCondition(null, false);

    public static WriteCondition ifMatch(String versionTag) {
        return new WriteCondition(versionTag, false);
    }

    public static WriteCondition createOnly() {
        return new WriteCondition(null, true);
    }

    /** Whether the condition holds against the current version tag (null when absent). */
    public boolean holds(String currentVersionTag) {
        if (ifNoneMatch && currentVersionTag != null) {
            return false;
        }
        return ifMatch == null || ifMatch.equals(currentVersionTag);
    }
}
