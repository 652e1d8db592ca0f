package io.syncvault.storage.provider;

/**
 * A write was asked to commit under another condition than the one it was opened with, and its provider fixed
 * that condition when the write began: nothing is stored; the write must be sent again.
 */
public class ConditionFixedException extends PreconditionFailedException {

    public ConditionFixedException(String message) {
        super(message);
    }
}
