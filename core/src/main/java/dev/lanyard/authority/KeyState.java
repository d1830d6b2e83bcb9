package dev.lanyard.authority;

/** Where a signing key is in its lifecycle. */
public enum KeyState {
  /** Published in the bundle, not signing yet. */
  PREPARED,
  /** Published and signing new credentials. */
  ACTIVE,
  /** Published until the last credential it signed has expired; signs nothing new. */
  RETIRED
}
