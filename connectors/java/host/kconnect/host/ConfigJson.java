package kconnect.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;

/**
 * A plugin's ConfigDef and validation results in the shapes of the REST API's ConfigKeyInfo and
 * ConfigInfo, which the Rust side deserializes as they are.
 */
final class ConfigJson {
    private ConfigJson() {
    }

    /** Every key of {@code def}, as ConfigKeyInfo objects. */
    static List<Map<String, Object>> keys(ConfigDef def) {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            keys.add(key(key));
        }
        return keys;
    }

    private static Map<String, Object> key(ConfigDef.ConfigKey key) {
        Map<String, Object> info = new LinkedHashMap<>();
        boolean required = !key.hasDefault();
        info.put("name", key.name);
        info.put("type", key.type.name());
        info.put("required", required);
        info.put("default_value", required ? null : ConfigDef.convertToString(key.defaultValue, key.type));
        info.put("importance", key.importance == null ? "LOW" : key.importance.name());
        info.put("documentation", key.documentation == null ? "" : key.documentation);
        info.put("group", key.group);
        info.put("width", key.width == null ? "NONE" : key.width.name());
        info.put("display_name", key.displayName);
        info.put("dependents", key.dependents);
        info.put("order", key.orderInGroup);
        return info;
    }

    /** The result of a connector's validate(): each of its keys with its value and errors. */
    static List<Map<String, Object>> infos(ConfigDef def, Config config) {
        Map<String, ConfigDef.ConfigKey> keys = def.configKeys();
        List<Map<String, Object>> infos = new ArrayList<>();
        for (ConfigValue value : config.configValues()) {
            ConfigDef.ConfigKey key = keys.get(value.name());
            if (key == null) {
                continue;
            }
            Map<String, Object> valueInfo = new LinkedHashMap<>();
            valueInfo.put("name", value.name());
            valueInfo.put("value", value.value() == null ? null : ConfigDef.convertToString(value.value(), key.type));
            List<String> recommended = new ArrayList<>();
            for (Object item : value.recommendedValues()) {
                recommended.add(ConfigDef.convertToString(item, key.type));
            }
            valueInfo.put("recommended_values", recommended);
            valueInfo.put("errors", value.errorMessages());
            valueInfo.put("visible", value.visible());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("definition", key(key));
            info.put("value", valueInfo);
            infos.add(info);
        }
        return infos;
    }
}
