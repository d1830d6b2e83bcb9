package dev.lanyard.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A sink that keeps the last events in memory, for an actuator endpoint, an admin page or a test: a bounded ring of
 * the last {@link #capacity()} decisions ({@link #events()}) and a second ring of the same size for the authority's
 * issuance and trust-chain events ({@link #authorityEvents()}), so that a flood of requests never pushes a key
 * rotation out of sight. When a ring is full the oldest event is overwritten and counted ({@link #dropped()},
 * {@link #authorityDropped()}). Memory is bounded by the capacity, whatever the traffic.
 *
 * <p>Thread-safe and lock-free: {@link #record} is one atomic increment and one array store, so it is cheap enough to
 * call on the request thread. A snapshot taken while other threads record holds each event at most once, newest last;
 * an event being written at that instant may be missing from it.
 */
public final class AuditRing implements AuditSink {
  /** The capacity of {@link #create()}. */
  public static final int DEFAULT_CAPACITY = 1000;
  /** The largest capacity accepted. */
  public static final int MAX_CAPACITY = 1_000_000;

  private final Ring<AuditEvent> decisions;
  private final Ring<AuthorityEvent> authority;

  private AuditRing(int capacity) {
    this.decisions = new Ring<>(capacity);
    this.authority = new Ring<>(capacity);
  }

  /** A ring of the last {@value #DEFAULT_CAPACITY} events of each kind. */
  public static AuditRing create() {
    return new AuditRing(DEFAULT_CAPACITY);
  }

  /**
   * A ring of the last {@code capacity} events of each kind.
   *
   * @throws IllegalArgumentException when {@code capacity} is not between 1 and {@value #MAX_CAPACITY}
   */
  public static AuditRing withCapacity(int capacity) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("the audit ring size must be between 1 and " + MAX_CAPACITY + ", not "
          + capacity);
    }
    return new AuditRing(capacity);
  }

  @Override
  public void record(AuditEvent event) {
    decisions.add(event);
  }

  @Override
  public void recordAuthority(AuthorityEvent event) {
    authority.add(event);
  }

  /** The last decisions recorded, oldest first, newest last (at most {@link #capacity()}). */
  public List<AuditEvent> events() {
    return decisions.snapshot();
  }

  /** The last authority events recorded, oldest first, newest last (at most {@link #capacity()}). */
  public List<AuthorityEvent> authorityEvents() {
    return authority.snapshot();
  }

  /** How many decisions were overwritten by newer ones since this ring was made. */
  public long dropped() {
    return decisions.dropped();
  }

  /** How many authority events were overwritten by newer ones since this ring was made. */
  public long authorityDropped() {
    return authority.dropped();
  }

  /** How many events of each kind the ring keeps. */
  public int capacity() {
    return decisions.capacity();
  }

  /** Metadata only: capacity and counts. */
  @Override
  public String toString() {
    return "AuditRing[capacity=" + capacity() + ", dropped=" + dropped() + ", authorityDropped="
        + authorityDropped() + "]";
  }

  /** One lock-free ring: a sequence number claims a slot, the slot holds the event with its sequence number. */
  private static final class Ring<E> {
    private final AtomicReferenceArray<Slot<E>> slots;
    private final AtomicLong next = new AtomicLong();

    Ring(int capacity) {
      this.slots = new AtomicReferenceArray<>(capacity);
    }

    void add(E event) {
      long sequence = next.getAndIncrement();
      slots.set((int) (sequence % slots.length()), new Slot<>(sequence, event));
    }

    List<E> snapshot() {
      long end = next.get();
      long start = Math.max(0, end - slots.length());
      List<E> events = new ArrayList<>((int) (end - start));
      for (long sequence = start; sequence < end; sequence++) {
        Slot<E> slot = slots.get((int) (sequence % slots.length()));
        if (slot != null && slot.sequence == sequence) {
          events.add(slot.event);
        }
      }
      return events;
    }

    long dropped() {
      return Math.max(0, next.get() - slots.length());
    }

    int capacity() {
      return slots.length();
    }
  }

  private static final class Slot<E> {
    final long sequence;
    final E event;

    Slot(long sequence, E event) {
      this.sequence = sequence;
      this.event = event;
    }
  }
}
