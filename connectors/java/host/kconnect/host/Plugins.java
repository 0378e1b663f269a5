package kconnect.host;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/**
 * The plugins of plugin.path, found as Apache's {@code plugin.discovery=service_load} finds them:
 * each jar or directory directly under a plugin.path entry (or an entry that is itself a jar) is a
 * plugin location with its own {@link PluginLoader}, and its ServiceLoader manifests name its
 * plugins. Plugins on the host's own class path are found too, as Apache finds those on the
 * worker's.
 */
final class Plugins {
    /** The service interfaces discovery looks for, with the type name the REST API uses. */
    private static final Map<Class<?>, String> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put(SourceConnector.class, "source");
        TYPES.put(SinkConnector.class, "sink");
        TYPES.put(Converter.class, "converter");
        TYPES.put(HeaderConverter.class, "header_converter");
        TYPES.put(Transformation.class, "transformation");
        TYPES.put(Predicate.class, "predicate");
        TYPES.put(ConfigProvider.class, "config_provider");
    }

    private final Map<String, ClassLoader> loaders = new LinkedHashMap<>();
    private final List<Map<String, Object>> descriptions = new ArrayList<>();

    /**
     * Discovers the plugins of {@code pluginPath} as Apache's {@code plugin.discovery} mode
     * {@code mode} says: {@code service_load} by manifests, {@code only_scan} by scanning every
     * class, {@code hybrid_warn} and {@code hybrid_fail} both, warning about (or failing on) a
     * plugin only the scan found. The host's own class path is read by its manifests alone.
     */
    Plugins(List<String> pluginPath, String mode) throws IOException {
        ClassLoader host = Plugins.class.getClassLoader();
        discover(host);
        boolean manifests = !mode.equalsIgnoreCase("only_scan");
        boolean scan = !mode.equalsIgnoreCase("service_load");
        List<String> unlisted = new ArrayList<>();
        for (String entry : pluginPath) {
            for (Path location : locations(Paths.get(entry.trim()))) {
                URL[] urls = urls(location);
                PluginLoader loader = new PluginLoader(location.toString(), urls, host);
                if (manifests) {
                    discover(loader);
                }
                if (scan) {
                    unlisted.addAll(ClassScan.plugins(location, loader, TYPES.keySet(), loaders.keySet()).stream()
                        .filter(plugin -> adopt(plugin, loader))
                        .map(Class::getName)
                        .collect(Collectors.toList()));
                }
            }
        }
        if (manifests && !unlisted.isEmpty()) {
            String message = "plugins named in no ServiceLoader manifest, found by the class scan of plugin.discovery="
                + mode + ": " + unlisted;
            if (mode.equalsIgnoreCase("hybrid_fail")) {
                throw new IllegalStateException(message);
            }
            System.err.println("kconnect host: " + message);
        }
    }

    /** Describes a plugin the class scan found; false when it cannot be made. */
    private boolean adopt(Class<?> plugin, ClassLoader loader) {
        try {
            Object instance = LoaderSwap.with(loader, () -> plugin.getDeclaredConstructor().newInstance());
            String type = TYPES.entrySet().stream().filter(t -> t.getKey().isInstance(instance))
                .map(Map.Entry::getValue).findFirst().orElseThrow();
            loaders.put(plugin.getName(), loader);
            describe(instance, type, loader);
            return true;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException unusable) {
            System.err.println("kconnect host: skipping " + plugin.getName() + ": " + unusable);
            return false;
        }
    }

    /** Every plugin as discovery describes it: class, type, version, location, config keys. */
    List<Map<String, Object>> descriptions() {
        return descriptions;
    }

    /** The loader of plugin {@code className}. */
    ClassLoader loader(String className) {
        ClassLoader loader = loaders.get(className);
        if (loader == null) {
            throw new IllegalArgumentException("no plugin " + className + " on plugin.path");
        }
        return loader;
    }

    /** A new instance of plugin {@code className}, made with its own loader as context loader. */
    Object newInstance(String className) throws Exception {
        ClassLoader loader = loader(className);
        return LoaderSwap.with(loader, () -> Class.forName(className, true, loader).getDeclaredConstructor().newInstance());
    }

    private static List<Path> locations(Path entry) throws IOException {
        if (!Files.exists(entry)) {
            System.err.println("kconnect host: plugin.path entry " + entry + " does not exist");
            return List.of();
        }
        if (!Files.isDirectory(entry)) {
            return isArchive(entry) ? List.of(entry) : List.of();
        }
        try (Stream<Path> children = Files.list(entry)) {
            return children.filter(p -> Files.isDirectory(p) || isArchive(p)).sorted().collect(Collectors.toList());
        }
    }

    static boolean isArchive(Path path) {
        String name = path.getFileName().toString().toLowerCase();
        return name.endsWith(".jar") || name.endsWith(".zip");
    }

    /** The class path of a location: the archive, or a directory's archives and the directory itself. */
    private static URL[] urls(Path location) throws IOException {
        List<URL> urls = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path file : files.filter(Plugins::isArchive).sorted().collect(Collectors.toList())) {
                    urls.add(file.toUri().toURL());
                }
            }
            urls.add(new File(location.toString() + File.separator).toURI().toURL());
        } else {
            urls.add(location.toUri().toURL());
        }
        return urls.toArray(new URL[0]);
    }

    private void discover(ClassLoader loader) {
        LoaderSwap.with(loader, () -> {
            for (Map.Entry<Class<?>, String> type : TYPES.entrySet()) {
                discover(loader, type.getKey(), type.getValue());
            }
            return null;
        });
    }

    /** The plugins of {@code type} that {@code loader}'s own ServiceLoader manifests name. */
    private void discover(ClassLoader loader, Class<?> service, String type) {
        Iterator<?> providers = ServiceLoader.load(service, loader).iterator();
        while (true) {
            Object plugin;
            try {
                if (!providers.hasNext()) {
                    return;
                }
                plugin = providers.next();
            } catch (ServiceConfigurationError | LinkageError broken) {
                // As Apache: a plugin that cannot load is skipped, the others still are found.
                System.err.println("kconnect host: skipping a " + service.getSimpleName() + " of "
                    + location(loader) + ": " + broken);
                continue;
            }
            Class<?> found = plugin.getClass();
            if (found.getClassLoader() == loader && !loaders.containsKey(found.getName())) {
                loaders.put(found.getName(), loader);
                describe(plugin, type, loader);
            }
        }
    }

    private static String location(ClassLoader loader) {
        return loader instanceof PluginLoader ? ((PluginLoader) loader).location() : "classpath";
    }

    private void describe(Object plugin, String type, ClassLoader loader) {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("class", plugin.getClass().getName());
        description.put("type", type);
        description.put("location", location(loader));
        try {
            description.put("version", version(plugin));
            description.put("config", ConfigJson.keys(configDef(plugin)));
        } catch (Throwable unusable) {
            description.put("version", "undefined");
            description.put("config", List.of());
            description.put("error", unusable.toString());
        }
        descriptions.add(description);
    }

    private static String version(Object instance) {
        if (instance instanceof Connector) {
            return ((Connector) instance).version();
        }
        if (instance instanceof org.apache.kafka.connect.components.Versioned) {
            return ((org.apache.kafka.connect.components.Versioned) instance).version();
        }
        return "undefined";
    }

    private static ConfigDef configDef(Object instance) {
        if (instance instanceof Connector) {
            return ((Connector) instance).config();
        }
        if (instance instanceof Converter) {
            return new ConfigDef();
        }
        if (instance instanceof HeaderConverter) {
            return ((HeaderConverter) instance).config();
        }
        if (instance instanceof Transformation) {
            return ((Transformation<?>) instance).config();
        }
        if (instance instanceof Predicate) {
            return ((Predicate<?>) instance).config();
        }
        return new ConfigDef();
    }
}
