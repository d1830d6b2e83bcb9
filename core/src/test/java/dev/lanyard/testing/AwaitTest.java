package dev.lanyard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void untilWhenConditionAlreadyHoldsThenReturnsAfterOneCheck() {
    AtomicInteger checks = new AtomicInteger();

    Await.until("holds", () -> checks.incrementAndGet() > 0, Duration.ofSeconds(10));

    assertThat(checks).hasValue(1);
  }

  @Test
  void untilWhenAnotherThreadMakesItHoldThenReturns() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch polled = new CountDownLatch(3);
    Thread other = new Thread(() -> {
      try {
        polled.await();
      } catch (InterruptedException e) {
        return;
      }
      done.set(true);
    });
    other.start();

    Await.until("the other thread set it", () -> {
      polled.countDown();
      return done.get();
    }, Duration.ofSeconds(10));

    assertThat(done).isTrue();
    other.join(10_000);
  }

  @Test
  void untilWhenNeverHoldsThenAssertionErrorNamingIt() {
    assertThatThrownBy(() -> Await.until("the moon is cheese", () -> false, Duration.ofMillis(30)))
        .isInstanceOf(AssertionError.class).hasMessageContaining("the moon is cheese").hasMessageContaining("PT0.03S");
  }

  @Test
  void holdsWithinWhenNeverHoldsThenFalseAfterALastCheck() {
    AtomicInteger checks = new AtomicInteger();

    assertThat(Await.holdsWithin(() -> checks.incrementAndGet() < 0, Duration.ZERO)).isFalse();
    assertThat(checks).hasValue(1);
  }
}
