package dev.chunkvault.local.template;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads a CloudFormation / SAM template written in YAML, turning the short-form intrinsic tags into the long form
 * CloudFormation itself uses: {@code !Ref X} → {@code {Ref: X}}, {@code !GetAtt A.B} → {@code {Fn::GetAtt: [A, B]}},
 * {@code !Sub s} → {@code {Fn::Sub: s}}, and every other {@code !Name} → {@code {Fn::Name: value}}. The result is
 * plain maps, lists and scalars (dates and other YAML types stay strings: CloudFormation has no such types).
 */
public final class CfnYaml {
    private CfnYaml() {}

    /** Short-form tags CloudFormation knows ({@code !Ref} and {@code !Condition} have no {@code Fn::} prefix). */
    static final List<String> FUNCTIONS = List.of("And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs",
            "If", "ImportValue", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform", "Length", "ToJsonString");

    public static Map<String, Object> load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return load(r);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> load(Reader reader) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        Object doc;
        try {
            doc = new Yaml(new Constructor(options)).load(reader);
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new TemplateException("the template is not valid YAML: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new TemplateException("the template is not a YAML mapping");
        }
        return (Map<String, Object>) m;
    }

    private static final class Constructor extends SafeConstructor {
        Constructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            this.yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            for (String f : FUNCTIONS) {
                this.yamlConstructors.put(new Tag("!" + f), new Intrinsic("Fn::" + f));
            }
            // CloudFormation has no timestamps: keep every plain scalar that YAML would make a date as text.
            this.yamlConstructors.put(Tag.TIMESTAMP, this.yamlConstructors.get(Tag.STR));
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode s) {
                    String text = s.getValue();
                    value = key.equals("Fn::GetAtt") ? splitGetAtt(text) : text;
                } else if (node instanceof SequenceNode seq) {
                    List<Object> items = new ArrayList<>();
                    for (Node n : seq.getValue()) {
                        items.add(constructObject(n));
                    }
                    value = items;
                } else if (node instanceof MappingNode map) {
                    value = constructMapping(map);
                } else {
                    throw new TemplateException("unsupported YAML node under " + key);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put(key, value);
                return out;
            }

            private List<Object> splitGetAtt(String text) {
                int dot = text.indexOf('.');
                if (dot <= 0 || dot == text.length() - 1) {
                    throw new TemplateException("!GetAtt needs Resource.Attribute, got '" + text + "'");
                }
                return List.of(text.substring(0, dot), text.substring(dot + 1));
            }
        }
    }
}
