package dev.lanyard.spring;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * When the application names {@code lanyard.client.targets}, makes Spring Boot's HTTP clients stop following
 * redirects by default ({@code spring.http.clients.redirects=dont-follow}, the lowest-precedence default: any setting
 * of the application wins). HTTP clients such as the JDK's repeat every header of a request, {@code Authorization}
 * included, when they follow a redirect to another host, so a target answering with a redirect could otherwise send
 * its caller's token anywhere.
 */
final class LanyardEnvironmentPostProcessor implements EnvironmentPostProcessor {
  static final String REDIRECTS = "spring.http.clients.redirects";
  static final String SOURCE = "lanyardDefaults";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (!hasTargets(environment) || environment.containsProperty(REDIRECTS)) {
      return;
    }
    environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(REDIRECTS, "dont-follow")));
  }

  static boolean hasTargets(ConfigurableEnvironment environment) {
    Binder binder = Binder.get(environment);
    if (!binder.bind("lanyard.enabled", Boolean.class).orElse(true)) {
      return false;
    }
    return !binder.bind("lanyard.client.targets", Bindable.mapOf(String.class, LanyardProperties.Target.class))
        .orElse(Map.of()).isEmpty();
  }
}
