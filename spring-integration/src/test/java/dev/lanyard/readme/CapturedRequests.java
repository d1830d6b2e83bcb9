package dev.lanyard.readme;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;

/**
 * For the README's outbound examples, whose targets ({@code payments.internal}) do not exist here: answers every
 * request Spring Boot's {@code RestClient}s send with 200 "charged", and keeps it for the test to inspect.
 */
@Configuration(proxyBeanMethods = false)
public class CapturedRequests {
  private final List<MockClientHttpRequest> requests = new CopyOnWriteArrayList<>();

  /** The requests sent so far, oldest first. */
  public List<MockClientHttpRequest> requests() {
    return requests;
  }

  /** The last request sent. */
  public MockClientHttpRequest last() {
    return requests.get(requests.size() - 1);
  }

  @Bean
  RestClientCustomizer capturingRequestFactory() {
    return builder -> builder.requestFactory((uri, method) -> {
      MockClientHttpRequest request = new MockClientHttpRequest(method, uri);
      request.setResponse(new MockClientHttpResponse("charged".getBytes(StandardCharsets.UTF_8), HttpStatus.OK));
      requests.add(request);
      return request;
    });
  }
}
