package dev.lanyard.inventory;

import dev.lanyard.internal.Durations;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.Text;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The identity inventory of an estate: one {@link InventoryEntry} per SPIFFE ID.
 *
 * <p>File format (JSON, UTF-8, at most {@value #MAX_DOCUMENT_LENGTH} characters):
 * <pre>{@code
 * {
 *   "format": "lanyard-inventory/1",
 *   "maxTtl": "24h",
 *   "identities": [
 *     {"id": "spiffe://example.org/orders", "owner": "team-orders", "purpose": "order service",
 *      "environment": "prod", "maxTtl": "1h"},
 *     {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
 *   ]
 * }
 * }</pre>
 * {@code format} and {@code identities} are required; the top-level {@code maxTtl} (the estate's policy maximum for
 * any credential) is optional. Per identity, {@code id} (a SPIFFE ID) is required and appears once; {@code owner},
 * {@code purpose}, {@code environment} (non-blank strings), {@code maxTtl} (a positive duration: {@code 90s},
 * {@code 5m}, {@code 1h}, {@code 2d} or ISO-8601) and {@code deployOnly} (boolean, default false) are optional. Any
 * other member is refused, so a misspelt {@code "ownr"} is an error rather than an identity without an owner.
 *
 * <p>Thread-safe: immutable.
 */
public final class Inventory {
  /** The value of the {@code format} member. */
  public static final String FORMAT = "lanyard-inventory/1";
  /** Longest document read. */
  public static final int MAX_DOCUMENT_LENGTH = 4 * 1024 * 1024;

  private static final int MAX_DEPTH = 4;
  private static final Set<String> TOP_MEMBERS = Set.of("format", "maxTtl", "identities");
  private static final Set<String> ENTRY_MEMBERS = Set.of("id", "owner", "purpose", "environment", "maxTtl",
      "deployOnly");

  private final Map<SpiffeId, InventoryEntry> entries;
  private final @Nullable Duration maxTtl;

  private Inventory(Map<SpiffeId, InventoryEntry> entries, @Nullable Duration maxTtl) {
    this.entries = entries;
    this.maxTtl = maxTtl;
  }

  /**
   * An inventory of these entries.
   *
   * @param maxTtl the estate's policy maximum credential lifetime, or null
   * @throws IllegalArgumentException when two entries have the same ID or {@code maxTtl} is not positive
   */
  public static Inventory of(List<InventoryEntry> entries, @Nullable Duration maxTtl) {
    Objects.requireNonNull(entries, "entries");
    if (maxTtl != null && (maxTtl.isNegative() || maxTtl.isZero())) {
      throw new IllegalArgumentException("maxTtl must be positive, not " + maxTtl);
    }
    Map<SpiffeId, InventoryEntry> map = new LinkedHashMap<>();
    for (InventoryEntry entry : entries) {
      if (map.putIfAbsent(entry.id(), entry) != null) {
        throw new IllegalArgumentException(entry.id() + " is listed twice");
      }
    }
    return new Inventory(map, maxTtl);
  }

  /**
   * Parses an inventory document.
   *
   * @param sourceName names the source in error messages, e.g. {@code inventory.json}
   * @throws InventoryException naming the source and the entry when the document is invalid
   */
  public static Inventory parse(String json, String sourceName) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(sourceName, "sourceName");
    if (json.length() > MAX_DOCUMENT_LENGTH) {
      throw new InventoryException(sourceName, "larger than " + MAX_DOCUMENT_LENGTH + " characters");
    }
    Map<String, Object> document;
    try {
      document = Json.parseObject(json.strip(), MAX_DEPTH);
    } catch (ParseException e) {
      throw new InventoryException(sourceName, "not a JSON object: " + e.getMessage());
    }
    unknownMembers(document, TOP_MEMBERS, sourceName, "");
    if (!FORMAT.equals(document.get("format"))) {
      throw new InventoryException(sourceName, "\"format\" must be \"" + FORMAT + "\"");
    }
    Duration max = duration(document.get("maxTtl"), sourceName, "");
    Object identities = document.get("identities");
    if (!(identities instanceof List)) {
      throw new InventoryException(sourceName, "\"identities\" must be an array");
    }
    List<InventoryEntry> list = new ArrayList<>();
    Map<SpiffeId, Integer> seen = new LinkedHashMap<>();
    List<?> items = (List<?>) identities;
    for (int i = 0; i < items.size(); i++) {
      String where = "identities[" + i + "]: ";
      if (!(items.get(i) instanceof Map)) {
        throw new InventoryException(sourceName, where + "not a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) items.get(i);
      unknownMembers(item, ENTRY_MEMBERS, sourceName, where);
      Object idValue = item.get("id");
      if (!(idValue instanceof String)) {
        throw new InventoryException(sourceName, where + "\"id\" (a SPIFFE ID) is required");
      }
      SpiffeId id;
      try {
        id = SpiffeId.parse((String) idValue);
      } catch (InvalidSpiffeIdException e) {
        throw new InventoryException(sourceName, where + "\"id\" is not a SPIFFE ID: " + e.getMessage());
      }
      Integer earlier = seen.putIfAbsent(id, i);
      if (earlier != null) {
        throw new InventoryException(sourceName, where + id + " is already listed at identities[" + earlier + "]");
      }
      Object deployOnly = item.getOrDefault("deployOnly", Boolean.FALSE);
      if (!(deployOnly instanceof Boolean)) {
        throw new InventoryException(sourceName, where + "\"deployOnly\" must be true or false");
      }
      try {
        list.add(new InventoryEntry(id, text(item, "owner", sourceName, where), text(item, "purpose", sourceName,
            where), text(item, "environment", sourceName, where), duration(item.get("maxTtl"), sourceName, where),
            (Boolean) deployOnly));
      } catch (IllegalArgumentException e) {
        throw new InventoryException(sourceName, where + e.getMessage());
      }
    }
    return of(list, max);
  }

  /**
   * Reads and parses an inventory file.
   *
   * @throws InventoryException for an invalid or unreadable file
   */
  public static Inventory read(Path file) {
    Objects.requireNonNull(file, "file");
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    try {
      if (Files.size(file) > MAX_DOCUMENT_LENGTH) {
        throw new InventoryException(name, "larger than " + MAX_DOCUMENT_LENGTH + " bytes");
      }
      return parse(Files.readString(file, StandardCharsets.UTF_8), name);
    } catch (IOException e) {
      throw new InventoryException(name, "cannot read: " + e.getMessage());
    }
  }

  /** The entry of {@code id}, if it is listed. */
  public Optional<InventoryEntry> lookup(SpiffeId id) {
    return Optional.ofNullable(entries.get(Objects.requireNonNull(id, "id")));
  }

  /** True when {@code id} is listed. */
  public boolean contains(SpiffeId id) {
    return entries.containsKey(Objects.requireNonNull(id, "id"));
  }

  /** True when {@code id} is listed as deploy-only: it must never be accepted as a caller. */
  public boolean isDeployOnly(SpiffeId id) {
    InventoryEntry entry = entries.get(Objects.requireNonNull(id, "id"));
    return entry != null && entry.deployOnly();
  }

  /** Every entry, in file order. */
  public List<InventoryEntry> entries() {
    return List.copyOf(entries.values());
  }

  /** The estate's policy maximum for any credential's lifetime, if the inventory sets one. */
  public Optional<Duration> maxTtl() {
    return Optional.ofNullable(maxTtl);
  }

  @Override
  public String toString() {
    return "Inventory[" + entries.size() + " identities" + (maxTtl == null ? "" : ", maxTtl=" + maxTtl) + "]";
  }

  private static void unknownMembers(Map<String, Object> object, Set<String> known, String source, String where) {
    for (String name : object.keySet()) {
      if (!known.contains(name)) {
        throw new InventoryException(source, where + "unknown member \"" + Text.printable(name) + "\" (expected "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static @Nullable String text(Map<String, Object> item, String name, String source, String where) {
    Object value = item.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String) || ((String) value).isBlank()) {
      throw new InventoryException(source, where + "\"" + name + "\" must be a non-blank string");
    }
    return (String) value;
  }

  private static @Nullable Duration duration(@Nullable Object value, String source, String where) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String)) {
      throw new InventoryException(source, where + "\"maxTtl\" must be a duration string such as \"1h\"");
    }
    Duration d;
    try {
      d = Durations.parse((String) value);
    } catch (IllegalArgumentException e) {
      throw new InventoryException(source, where + "\"maxTtl\": " + Text.printable((String) value)
          + " is not a duration (use 90s, 5m, 1h, 2d or ISO-8601 like PT5M)");
    }
    if (d.isZero()) {
      throw new InventoryException(source, where + "\"maxTtl\" must be positive");
    }
    return d;
  }
}
