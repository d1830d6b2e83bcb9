package dev.lanyard.cli;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** Writes one JSON object per command on stdout. */
final class Output {
  private Output() {}

  static void json(CommandSpec spec, Map<String, Object> object) {
    spec.commandLine().getOut().println(JSONObjectUtils.toJSONString(object));
    spec.commandLine().getOut().flush();
  }
}
