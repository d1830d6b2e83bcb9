package dev.lanyard.authority;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The exclusive lock of an authority's directory, an OS file lock on {@code .lock}: writers and creators in this and
 * other processes take turns on it.
 *
 * <p>Thread-safe: threads of one process take turns on an in-process lock per directory first (a JVM may hold only one
 * lock on a file), which also makes the lock reentrant within a thread.
 */
final class DirectoryLock {
  static final String LOCK = ".lock";
  /** One in-process lock per directory, taken before the file lock (a JVM may hold only one lock on a file). */
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;

  DirectoryLock(Path dir) {
    this.dir = dir;
  }

  /**
   * Runs {@code action} holding the exclusive lock on {@code .lock}: writers and creators in this and other processes
   * take turns. Reentrant within a thread; threads of one process take turns on an in-process lock first (a JVM may
   * hold only one lock on a file).
   */
  <T> T locked(Supplier<T> action) {
    ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> new ReentrantLock());
    local.lock();
    try {
      if (local.getHoldCount() > 1) {
        return action.get();
      }
      try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
          FileLock lock = lockChannel.lock()) {
        return action.get();
      } catch (IOException e) {
        throw new AuthorityStoreException("cannot lock " + dir.resolve(LOCK) + ": " + e.getMessage(), e);
      }
    } finally {
      local.unlock();
    }
  }
}
