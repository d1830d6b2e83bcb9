package dev.lanyard.authority;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Json;
import dev.lanyard.jwt.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The on-disk form of an authority: {@code authority.json} (settings and key metadata, no key material) and one
 * {@code keys/<kid>.pem} per key (PKCS#8 private key and SPKI public key, mode 0600). Every file is written to a
 * temporary file and atomically moved into place, and writers hold a lock on {@code .lock}.
 */
final class AuthorityStore {
  static final String FORMAT = "lanyard-authority/1";
  static final String METADATA = "authority.json";
  private static final String KEYS = "keys";
  private static final String LOCK = ".lock";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final boolean posix;

  private AuthorityStore(Path dir) {
    this.dir = dir;
    this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Settings and keys as stored. */
  static final class Snapshot {
    final TrustDomain trustDomain;
    final EmbeddedAuthority.Settings settings;
    final long sequence;
    final List<SigningKey> keys;

    Snapshot(TrustDomain trustDomain, EmbeddedAuthority.Settings settings, long sequence, List<SigningKey> keys) {
      this.trustDomain = trustDomain;
      this.settings = settings;
      this.sequence = sequence;
      this.keys = List.copyOf(keys);
    }
  }

  /** Prepares a new, empty (or absent) directory for an authority. */
  static AuthorityStore create(Path dir) {
    if (Files.exists(dir.resolve(METADATA))) {
      throw new AuthorityStoreException(dir + " already holds an authority; refusing to overwrite it");
    }
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new AuthorityStoreException(dir + " exists and is not a directory");
      }
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        if (entries.iterator().hasNext()) {
          throw new AuthorityStoreException(dir + " is not empty and holds no authority; use an empty directory");
        }
      } catch (IOException e) {
        throw new AuthorityStoreException("cannot read " + dir + ": " + e.getMessage(), e);
      }
    }
    AuthorityStore store = new AuthorityStore(dir);
    try {
      store.createDirectory(dir);
      store.createDirectory(dir.resolve(KEYS));
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    return store;
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
    return new AuthorityStore(dir);
  }

  Path directory() {
    return dir;
  }

  /** Reads the authority. */
  Snapshot load() {
    Path metadataFile = dir.resolve(METADATA);
    Map<String, Object> m;
    try {
      String text = Files.readString(metadataFile, StandardCharsets.UTF_8);
      m = Json.parseObject(text, 6);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read " + metadataFile + ": " + e.getMessage(), e);
    } catch (ParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: not a JSON object", e);
    }
    if (!FORMAT.equals(m.get("format"))) {
      throw new AuthorityStoreException(metadataFile + " is not a Lanyard authority (format is not " + FORMAT + ")");
    }
    try {
      TrustDomain trustDomain = TrustDomain.of(string(m, "trustDomain"));
      EmbeddedAuthority.Settings settings = new EmbeddedAuthority.Settings(
          JwtAlgorithm.valueOf(string(m, "jwtAlgorithm")),
          Duration.ofSeconds(number(m, "jwtKeyLifetimeSeconds")),
          Duration.ofSeconds(number(m, "defaultJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "maxJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "bundleRefreshHintSeconds")),
          m.get("jwtIssuer") instanceof String ? (String) m.get("jwtIssuer") : null);
      long sequence = number(m, "sequence");
      Object keysValue = m.get("keys");
      if (!(keysValue instanceof List)) {
        throw new IllegalArgumentException("no keys array");
      }
      List<SigningKey> keys = new ArrayList<>();
      for (Object k : (List<?>) keysValue) {
        if (!(k instanceof Map)) {
          throw new IllegalArgumentException("a key entry is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> key = (Map<String, Object>) k;
        String kid = string(key, "kid");
        if (!isSafeKeyId(kid)) {
          throw new IllegalArgumentException("a key id is not safe as a file name");
        }
        JwtAlgorithm algorithm = JwtAlgorithm.valueOf(string(key, "alg"));
        KeyPair pair = readKeyPair(kid, algorithm);
        keys.add(new SigningKey(kid, algorithm, pair, instant(key, "createdAt"), instant(key, "notAfter"),
            optionalInstant(key, "activatedAt"), optionalInstant(key, "retiredAt"),
            Boolean.TRUE.equals(key.get("tainted"))));
      }
      return new Snapshot(trustDomain, settings, sequence, keys);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: " + e.getMessage(), e);
    }
  }

  /** Writes the authority: new key files first, then the metadata, then removes files of dropped keys. */
  void save(Snapshot snapshot) {
    try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock lock = lockChannel.lock()) {
      Set<String> kept = new HashSet<>();
      for (SigningKey key : snapshot.keys) {
        kept.add(key.keyId + ".pem");
        Path file = dir.resolve(KEYS).resolve(key.keyId + ".pem");
        if (!Files.exists(file)) {
          writeAtomically(file, keyFile(key.keyPair), true);
        }
      }
      writeAtomically(dir.resolve(METADATA), metadata(snapshot).getBytes(StandardCharsets.UTF_8), false);
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

  private String metadata(Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("trustDomain", s.trustDomain.name());
    m.put("jwtAlgorithm", s.settings.jwtAlgorithm.name());
    m.put("jwtKeyLifetimeSeconds", s.settings.jwtKeyLifetime.toSeconds());
    m.put("defaultJwtSvidTtlSeconds", s.settings.defaultJwtSvidTtl.toSeconds());
    m.put("maxJwtSvidTtlSeconds", s.settings.maxJwtSvidTtl.toSeconds());
    m.put("bundleRefreshHintSeconds", s.settings.bundleRefreshHint.toSeconds());
    if (s.settings.jwtIssuer != null) {
      m.put("jwtIssuer", s.settings.jwtIssuer);
    }
    m.put("sequence", s.sequence);
    List<Object> keys = new ArrayList<>();
    for (SigningKey key : s.keys) {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("kid", key.keyId);
      k.put("alg", key.algorithm.name());
      k.put("createdAt", key.createdAt.toString());
      k.put("notAfter", key.notAfter.toString());
      if (key.activatedAt != null) {
        k.put("activatedAt", key.activatedAt.toString());
      }
      if (key.retiredAt != null) {
        k.put("retiredAt", key.retiredAt.toString());
      }
      k.put("tainted", key.tainted);
      keys.add(k);
    }
    m.put("keys", keys);
    return JSONObjectUtils.toJSONString(m) + "\n";
  }

  private static byte[] keyFile(KeyPair pair) {
    Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
    String text = "-----BEGIN PRIVATE KEY-----\n" + encoder.encodeToString(pair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n-----BEGIN PUBLIC KEY-----\n"
        + encoder.encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private KeyPair readKeyPair(String kid, JwtAlgorithm algorithm) {
    Path file = dir.resolve(KEYS).resolve(kid + ".pem");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new AuthorityStoreException("key file " + file + " is missing", e);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
    try {
      KeyFactory factory = KeyFactory.getInstance(
          algorithm.keyFamily() == JwtAlgorithm.KeyFamily.EC ? "EC" : "RSA");
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(block(text, "PRIVATE KEY")));
      PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(block(text, "PUBLIC KEY")));
      return new KeyPair(publicKey, privateKey);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // The message of a key parser could echo key bytes: say only which file.
      throw new AuthorityStoreException("key file " + file + " is corrupt");
    }
  }

  private static byte[] block(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int start = text.indexOf(begin);
    int stop = start < 0 ? -1 : text.indexOf(end, start);
    if (stop < 0) {
      throw new IllegalArgumentException("no " + label + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), stop));
  }

  private void writeAtomically(Path target, byte[] content, boolean secret) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong())
        + ".tmp");
    try {
      if (posix) {
        FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        Files.createFile(temp, mode);
      } else {
        Files.createFile(temp);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(content));
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
      if (secret) {
        Arrays.fill(content, (byte) 0);
      }
    }
  }

  private void createDirectory(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return;
    }
    try {
      if (posix) {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(path);
      }
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(path)) {
        throw e;
      }
    }
  }

  static boolean isSafeKeyId(String kid) {
    if (kid.isEmpty() || kid.length() > 64) {
      return false;
    }
    for (int i = 0; i < kid.length(); i++) {
      char c = kid.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String string(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a string");
    }
    return (String) v;
  }

  private static long number(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof Number) || ((Number) v).longValue() < 0) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a non-negative number");
    }
    return ((Number) v).longValue();
  }

  private static Instant instant(Map<String, Object> m, String name) {
    return Instant.parse(string(m, name));
  }

  private static Instant optionalInstant(Map<String, Object> m, String name) {
    return m.containsKey(name) ? instant(m, name) : null;
  }
}
