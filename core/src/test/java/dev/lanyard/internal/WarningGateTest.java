package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarningGateTest {
  @Test
  void openWhenFirstAskedThenOpenAndThenOnlyOncePerPeriod() {
    AtomicLong now = new AtomicLong(5_000);
    WarningGate gate = new WarningGate(Duration.ofNanos(1_000), now::get);

    assertThat(gate.open()).as("the first warning").isTrue();
    assertThat(gate.open()).as("at once again").isFalse();
    now.addAndGet(999);
    assertThat(gate.open()).as("one nanosecond short of the period").isFalse();
    now.addAndGet(1);
    assertThat(gate.open()).as("a period after it opened").isTrue();
    assertThat(gate.open()).isFalse();
  }

  @Test
  void openWhenManyThreadsAskAtOnceThenExactlyOneIsLetThrough() throws Exception {
    WarningGate gate = WarningGate.every(Duration.ofMinutes(1));
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger opened = new AtomicInteger();
    Thread[] workers = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      workers[i] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        for (int j = 0; j < 1_000; j++) {
          if (gate.open()) {
            opened.incrementAndGet();
          }
        }
      });
      workers[i].start();
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }

    assertThat(opened.get()).isEqualTo(1);
  }

  @Test
  void everyWhenPeriodNotPositiveThenRefused() {
    assertThatThrownBy(() -> WarningGate.every(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WarningGate.every(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
  }
}
