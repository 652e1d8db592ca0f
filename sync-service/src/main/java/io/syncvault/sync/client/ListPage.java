package io.syncvault.sync.client;

import java.util.List;

/** One page of a listing; {@code nextCursor} is null on the last page. */
public record ListPage(List<RemoteObject> items, String nextCursor) {
}
