package dev.lanyard.authority;

import dev.lanyard.internal.Json;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk form of an authority: {@code authority.json} (settings and key metadata, no key material) and one
 * {@code keys/<kid>.pem} per key (PKCS#8 private key and SPKI public key, mode 0600). Every file is written to a
 * temporary file and atomically moved into place, and writers hold a lock on {@code .lock}. The parts: the files'
 * formats ({@link StoreFormat}), the file-system rules ({@link OwnerOnlyFiles}) and the lock ({@link DirectoryLock});
 * this class reads and writes the directory with them.
 *
 * <p>Thread-safe, and safe across processes: it keeps no mutable state of its own, and {@link #save} and creation hold
 * an exclusive lock on {@code .lock} ({@link #locked}), so writers in this or another process take turns; readers
 * see whole files (atomic moves).
 */
final class AuthorityStore {
  static final String FORMAT = "lanyard-authority/1";
  static final String METADATA = "authority.json";
  static final String REVOCATIONS = "revocations.json";
  static final String REVOCATIONS_FORMAT = "lanyard-revocations/1";
  static final String UPSTREAM = "upstream.pem";
  private static final String KEYS = "keys";

  private final Path dir;
  private final OwnerOnlyFiles files;
  private final DirectoryLock lock;

  private AuthorityStore(Path dir) {
    this.dir = dir;
    this.files = new OwnerOnlyFiles(dir);
    this.lock = new DirectoryLock(dir);
  }

  /** Settings and keys as stored. */
  static final class Snapshot {
    final TrustDomain trustDomain;
    final AuthoritySettings settings;
    final @Nullable UpstreamCa upstream;
    final long sequence;
    final List<SigningKey> keys;

    Snapshot(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream, long sequence,
        List<SigningKey> keys) {
      this.trustDomain = trustDomain;
      this.settings = settings;
      this.upstream = upstream;
      this.sequence = sequence;
      this.keys = List.copyOf(keys);
    }
  }

  /**
   * Prepares a new, empty (or absent) directory for an authority. An absent directory is created with mode 0700 in
   * one step (no check-then-create race); an existing one (created meanwhile or given on purpose) must be a directory
   * of the current user that group and others cannot write. The caller then creates the authority inside
   * {@link #locked}, after {@link #claimLocked()}.
   */
  static AuthorityStore create(Path dir) {
    AuthorityStore store = new AuthorityStore(dir);
    try {
      if (!store.files.createOwnerOnlyDirectory(dir)) {
        if (!Files.isDirectory(dir)) {
          throw new AuthorityStoreException(dir + " exists and is not a directory");
        }
        // Trust first: once the directory is ours and nobody else may write it, its content cannot change under us.
        store.files.checkTrusted(dir, OwnerOnlyFiles.Role.DIRECTORY);
        if (!store.holdsAuthority()) {
          // Checked again under the lock; refused here already so that no lock file lands in a foreign directory.
          store.checkOnlyOurFiles();
        }
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    return store;
  }

  /** True when the directory holds an authority ({@code authority.json}); call it under {@link #locked}. */
  boolean holdsAuthority() {
    return Files.exists(dir.resolve(METADATA));
  }

  /**
   * Takes the directory for a new authority, under {@link #locked}: it must hold no authority and nothing but our own
   * files (the lock, {@code keys/} and temporary files a creation that died half-way left: creation holds the lock
   * throughout, so they are never another process's work in progress); leftovers are removed and the directory is
   * tightened to 0700.
   */
  void claimLocked() {
    try {
      if (holdsAuthority()) {
        throw new AuthorityStoreException(dir + " already holds an authority; refusing to overwrite it");
      }
      checkOnlyOurFiles();
      Path keys = dir.resolve(KEYS);
      if (!files.createOwnerOnlyDirectory(keys)) {
        files.checkTrusted(keys, OwnerOnlyFiles.Role.DIRECTORY);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(keys)) {
          for (Path leftover : leftovers) {
            Files.deleteIfExists(leftover);
          }
        }
      }
      if (files.posix()) {
        // An existing directory is tightened too: only the owner may list the authority.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot create the authority in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Revocations as stored in {@code revocations.json}. */
  static final class Revocations {
    final Map<String, Instant> tokens;
    final Map<String, Instant> subjects;
    final Set<String> keys;

    Revocations(Map<String, Instant> tokens, Map<String, Instant> subjects, Set<String> keys) {
      this.tokens = Map.copyOf(tokens);
      this.subjects = Map.copyOf(subjects);
      this.keys = Set.copyOf(keys);
    }
  }

  /** The modification time and size of {@code revocations.json}; null when absent. */
  @Nullable String revocationsVersion() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(dir.resolve(REVOCATIONS), BasicFileAttributes.class);
      return attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ":" + attributes.size();
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads {@code revocations.json}; empty when absent. */
  Revocations loadRevocations() {
    Path file = dir.resolve(REVOCATIONS);
    if (!Files.exists(file)) {
      return new Revocations(Map.of(), Map.of(), Set.of());
    }
    try {
      files.checkTrusted(file, OwnerOnlyFiles.Role.METADATA_FILE);
      Map<String, Object> m = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), 4);
      return StoreFormat.parseRevocations(m, file);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (ParseException | DateTimeParseException | ClassCastException e) {
      throw new AuthorityStoreException(file + " is corrupt", e);
    }
  }

  /** Writes {@code revocations.json} atomically, under {@link #locked}. */
  void saveRevocations(Revocations revocations) {
    try {
      files.writeAtomically(dir.resolve(REVOCATIONS), StoreFormat.revocations(revocations)
          .getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot write " + dir.resolve(REVOCATIONS) + ": " + e.getMessage(), e);
    }
  }

  /** Refuses a directory holding anything but our own files (an authority half-created, at most). */
  private void checkOnlyOurFiles() throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        boolean ours = name.equals(DirectoryLock.LOCK) || (name.equals(KEYS) && Files.isDirectory(entry))
            || (name.startsWith(".") && name.endsWith(".tmp") && name.contains(".json."));
        if (!ours) {
          throw new AuthorityStoreException(dir + " is not empty and holds no authority; use an empty directory");
        }
      }
    }
  }

  /**
   * Runs {@code action} holding the exclusive lock on {@code .lock} ({@link DirectoryLock}): writers and creators in
   * this and other processes take turns. Reentrant within a thread.
   */
  <T> T locked(Supplier<T> action) {
    return lock.locked(action);
  }

  /**
   * The modification time and size of {@code authority.json}, to notice a change by another process cheaply; null
   * when it cannot be read.
   */
  @Nullable String metadataVersion() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(dir.resolve(METADATA), BasicFileAttributes.class);
      return attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ":" + attributes.size();
    } catch (IOException e) {
      return null;
    }
  }

  /** Opens the directory of an existing authority. */
  static AuthorityStore existing(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new AuthorityStoreException(dir + " does not exist or is not a directory (create one with "
          + "'lanyard authority init')");
    }
    if (!Files.isRegularFile(dir.resolve(METADATA))) {
      throw new AuthorityStoreException(dir + " holds no authority (" + METADATA + " is missing)");
    }
    AuthorityStore store = new AuthorityStore(dir);
    try {
      store.files.checkTrusted(dir, OwnerOnlyFiles.Role.DIRECTORY);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read the owner and mode of " + dir + ": " + e.getMessage(), e);
    }
    return store;
  }

  Path directory() {
    return dir;
  }

  /** Reads the authority. */
  Snapshot load() {
    Path metadataFile = dir.resolve(METADATA);
    Map<String, Object> m;
    try {
      files.checkTrusted(dir.resolve(KEYS), OwnerOnlyFiles.Role.DIRECTORY);
    } catch (NoSuchFileException e) {
      // Reported as the first key file that is missing.
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read the owner and mode of " + dir.resolve(KEYS) + ": "
          + e.getMessage(), e);
    }
    try {
      files.checkTrusted(metadataFile, OwnerOnlyFiles.Role.METADATA_FILE);
      String text = Files.readString(metadataFile, StandardCharsets.UTF_8);
      m = Json.parseObject(text, 6);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read " + metadataFile + ": " + e.getMessage(), e);
    } catch (ParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: not a JSON object", e);
    }
    return StoreFormat.parseMetadata(m, metadataFile, keyFiles);
  }

  private final StoreFormat.KeyFiles keyFiles = new StoreFormat.KeyFiles() {
    @Override
    public StoreFormat.KeyFile read(String name) {
      return readKeyFile(name);
    }

    @Override
    public Path path(String name) {
      return keyPath(name);
    }
  };


  /** Writes the authority: new key files first, then the metadata, then removes files of dropped keys. */
  void save(Snapshot snapshot) {
    locked(() -> {
      saveLocked(snapshot);
      return null;
    });
  }

  private void saveLocked(Snapshot snapshot) {
    try {
      Set<String> kept = new HashSet<>();
      if (snapshot.upstream != null) {
        kept.add(UPSTREAM);
        Path file = dir.resolve(KEYS).resolve(UPSTREAM);
        if (!Files.exists(file)) {
          files.writeAtomically(file, StoreFormat.keyFile(snapshot.upstream.key, null, snapshot.upstream.chain), true);
        }
      }
      for (SigningKey key : snapshot.keys) {
        kept.add(key.keyId + ".pem");
        Path file = dir.resolve(KEYS).resolve(key.keyId + ".pem");
        if (!Files.exists(file)) {
          files.writeAtomically(file, StoreFormat.keyFile(key.keyPair.getPrivate(), key.keyPair.getPublic(), key.chain), true);
        }
      }
      files.writeAtomically(dir.resolve(METADATA), StoreFormat.metadata(snapshot).getBytes(StandardCharsets.UTF_8), false);
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve(KEYS), "*.pem")) {
        for (Path file : files) {
          if (!kept.contains(file.getFileName().toString())) {
            Files.deleteIfExists(file);
          }
        }
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot write the authority in " + dir + ": " + e.getMessage(), e);
    }
  }


  private Path keyPath(String name) {
    return dir.resolve(KEYS).resolve(name);
  }

  private StoreFormat.KeyFile readKeyFile(String name) {
    Path file = keyPath(name);
    String text;
    try {
      files.checkTrusted(file, OwnerOnlyFiles.Role.KEY_FILE);
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new AuthorityStoreException("key file " + file + " is missing", e);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
    try {
      return StoreFormat.parseKeyFile(text);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // The message of a key parser could echo key bytes: say only which file.
      throw new AuthorityStoreException("key file " + file + " is corrupt");
    }
  }
}
