package io.syncvault.storage.provider;

import java.util.List;

/** One page of a listing: objects, rolled-up common prefixes, and the cursor of the next page (null at the end). */
public record ProviderListing(List<ProviderObject> objects, List<String> prefixes, String nextCursor) {
}
