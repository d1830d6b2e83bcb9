package dev.lanyard.credentials;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.util.Collection;
import java.util.List;

/** Hands this workload JWT-SVIDs to present to others. Thread-safe. */
public interface JwtSvidSource {
  /** The workload's own SPIFFE ID, the subject of every token handed out. */
  SpiffeId spiffeId();

  /**
   * A token for {@code audiences} granting {@code scopes}, valid for a while yet.
   *
   * @throws IllegalArgumentException when an audience or scope is invalid
   */
  JwtSvid fetch(Collection<String> audiences, Collection<String> scopes);

  /** A token for one audience granting {@code scopes}. */
  default JwtSvid fetch(String audience, String... scopes) {
    return fetch(List.of(audience), List.of(scopes));
  }
}
