package dev.lanyard.authority;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The keys of one kind (the JWT signing keys, or the X.509 CAs), oldest first, as {@link KeyLifecycle} sees them. At
 * most one is ACTIVE and at most one PREPARED (the lifecycle keeps it so). Changes make new rings.
 *
 * <p>Thread-safe: immutable.
 *
 * @param <K> the key type: {@link SigningKey} in the authority, small fakes in tests
 */
final class KeyRing<K extends KeyLifecycle.Key<K>> {
  private final List<K> keys;
  private final @Nullable K active;
  private final @Nullable K prepared;

  KeyRing(List<K> keys) {
    this.keys = List.copyOf(keys);
    this.active = first(this.keys, KeyState.ACTIVE);
    this.prepared = first(this.keys, KeyState.PREPARED);
  }

  private static <K extends KeyLifecycle.Key<K>> @Nullable K first(List<K> keys, KeyState state) {
    for (K key : keys) {
      if (key.state() == state) {
        return key;
      }
    }
    return null;
  }

  /** All keys, oldest first. */
  List<K> keys() {
    return keys;
  }

  /** The key that signs now, if any. */
  @Nullable K active() {
    return active;
  }

  /** The published key that signs next, if any. */
  @Nullable K prepared() {
    return prepared;
  }

  /** The key with this id, if any. */
  @Nullable K find(String keyId) {
    for (K key : keys) {
      if (key.keyId().equals(keyId)) {
        return key;
      }
    }
    return null;
  }

  KeyRing<K> replace(K old, K updated) {
    List<K> next = new ArrayList<>(keys);
    next.set(next.indexOf(old), updated);
    return new KeyRing<>(next);
  }

  KeyRing<K> add(K key) {
    List<K> next = new ArrayList<>(keys);
    next.add(key);
    return new KeyRing<>(next);
  }

  KeyRing<K> remove(K key) {
    List<K> next = new ArrayList<>(keys);
    next.remove(key);
    return new KeyRing<>(next);
  }

  @Override
  public String toString() {
    return "KeyRing" + keys;
  }
}
