package dev.lanyard.spring;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * The application's SSL bundles without {@value LanyardSslBundle#NAME}, for Spring Boot's {@code ssl} health
 * indicator: it warns about certificates expiring within {@code management.health.ssl.certificate-validity-warning-
 * threshold} (14 days by default), which an X.509-SVID that lives an hour and is renewed at half its life always is.
 * The SVID's state is reported by the {@code lanyard} health indicator instead.
 *
 * <p>Thread-safe: a view of a thread-safe registry.
 */
final class SslBundlesWithoutLanyard implements SslBundles {
  private final SslBundles bundles;

  SslBundlesWithoutLanyard(SslBundles bundles) {
    this.bundles = bundles;
  }

  @Override
  public SslBundle getBundle(String name) throws NoSuchSslBundleException {
    if (LanyardSslBundle.NAME.equals(name)) {
      throw new NoSuchSslBundleException(name, "the SSL bundle '" + name + "' is reported by the lanyard health "
          + "indicator");
    }
    return bundles.getBundle(name);
  }

  @Override
  public void addBundleUpdateHandler(String name, Consumer<SslBundle> updateHandler) throws NoSuchSslBundleException {
    getBundle(name);
    bundles.addBundleUpdateHandler(name, updateHandler);
  }

  @Override
  public void addBundleRegisterHandler(BiConsumer<String, SslBundle> registerHandler) {
    bundles.addBundleRegisterHandler((name, bundle) -> {
      if (!LanyardSslBundle.NAME.equals(name)) {
        registerHandler.accept(name, bundle);
      }
    });
  }

  @Override
  public List<String> getBundleNames() {
    return bundles.getBundleNames().stream().filter(name -> !LanyardSslBundle.NAME.equals(name)).toList();
  }
}
