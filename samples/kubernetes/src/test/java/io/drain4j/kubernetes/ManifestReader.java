package io.drain4j.kubernetes;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads manifests into the fabric8 Kubernetes model and refuses anything the model does not know.
 *
 * <p>The fabric8 classes keep unknown keys in an {@code additionalProperties} map instead of
 * failing, so a misspelt {@code preStopp:} would parse as "no preStop hook" and a misplaced key
 * would silently vanish. Every parsed object is therefore walked and any such key is reported with
 * its path. Duplicate keys are refused too (YAML would otherwise keep the last one).
 */
final class ManifestReader {

  /** The kinds the manifests use, by {@code apiVersion/kind}. */
  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "apps/v1/Deployment", Deployment.class,
          "v1/Service", Service.class,
          "v1/ConfigMap", ConfigMap.class);

  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private ManifestReader() {}

  /**
   * A manifest packaged with this module.
   *
   * @param path relative to the module's directory, such as {@code istio/deployment.yaml}
   * @return its text
   */
  static String resource(String path) {
    String name = "/kubernetes/" + path;
    try (InputStream in = ManifestReader.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no manifest " + name + " on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses every document of a multi-document YAML file.
   *
   * @param name the file's name, for messages
   * @param text its content
   * @return the resources in file order
   * @throws IllegalArgumentException naming the file and the document when the YAML is malformed, a
   *     kind is not one the manifests use, or a key is unknown to the Kubernetes model
   */
  static List<HasMetadata> readYaml(String name, String text) {
    List<HasMetadata> resources = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(text)) {
      int index = 0;
      while (docs.hasNextValue()) {
        JsonNode doc = docs.nextValue();
        index++;
        if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
          continue;
        }
        String where = name + " document " + index;
        String type = doc.path("apiVersion").asText("") + "/" + doc.path("kind").asText("");
        Class<? extends HasMetadata> model = KINDS.get(type);
        if (model == null) {
          throw new IllegalArgumentException(
              where + ": apiVersion/kind '" + type + "' is not one of " + KINDS.keySet());
        }
        resources.add(strict(where, YAML, doc, model));
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException(name + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return resources;
  }

  /**
   * Parses a container lifecycle written as JSON, the form the ASM console takes.
   *
   * @param name the file's name, for messages
   * @param text its content
   * @return the lifecycle
   * @throws IllegalArgumentException when the JSON is malformed or a key is unknown
   */
  static Lifecycle readLifecycleJson(String name, String text) {
    try {
      return strict(name, JSON, JSON.readTree(text), Lifecycle.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(name + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses the YAML held in an annotation value, such as {@code proxy.istio.io/config}.
   *
   * @return the top-level mapping; empty for an empty value
   * @throws IllegalArgumentException when it is not a YAML mapping
   */
  static Map<String, Object> readYamlMap(String name, String text) {
    try {
      JsonNode node = YAML.readTree(text);
      if (node == null || node.isMissingNode() || node.isNull()) {
        return Map.of();
      }
      if (!node.isObject()) {
        throw new IllegalArgumentException(name + ": not a YAML mapping");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = YAML.convertValue(node, Map.class);
      return map;
    } catch (JacksonException e) {
      throw new IllegalArgumentException(name + ": " + e.getOriginalMessage(), e);
    }
  }

  private static <T> T strict(String where, ObjectMapper mapper, JsonNode node, Class<T> model)
      throws JacksonException {
    T value = mapper.treeToValue(node, model);
    List<String> unknown = new ArrayList<>();
    collectUnknown(value, "", unknown);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": unknown to the Kubernetes " + model.getSimpleName() + " model: " + unknown);
    }
    return value;
  }

  /**
   * Walks the JSON properties of a fabric8 model object (its {@code @JsonProperty} fields) and
   * collects the path of every key that landed in an {@code additionalProperties} map.
   */
  private static void collectUnknown(Object value, String path, List<String> out) {
    if (value == null) {
      return;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collectUnknown(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        collectUnknown(e.getValue(), path + "[" + e.getKey() + "]", out);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        if (field.getName().equals("additionalProperties")
            && Map.class.isAssignableFrom(field.getType())) {
          Map<?, ?> extra = (Map<?, ?>) read(field, value);
          if (extra != null) {
            for (Object key : extra.keySet()) {
              out.add(path.isEmpty() ? String.valueOf(key) : path + "." + key);
            }
          }
          continue;
        }
        JsonProperty property = field.getAnnotation(JsonProperty.class);
        if (property != null) {
          String child = path.isEmpty() ? property.value() : path + "." + property.value();
          collectUnknown(read(field, value), child, out);
        }
      }
    }
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + field, e);
    }
  }
}
