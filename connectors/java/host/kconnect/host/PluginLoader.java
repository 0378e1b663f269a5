package kconnect.host;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin location, isolated as Apache's PluginClassLoader isolates it: a
 * class is looked up in the plugin's own jars first, except the JDK's and the framework's (the
 * Kafka and Connect APIs and SLF4J), which come from the host so that plugin and host agree on
 * them. Apache's own plugins that live in framework packages (the SMTs, the JSON and file
 * connectors, the converters) still load from the plugin.
 */
final class PluginLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String location;

    PluginLoader(String location, URL[] urls, ClassLoader parent) {
        super(urls, parent);
        this.location = location;
    }

    /** Where the plugin was found: a jar or directory of plugin.path. */
    String location() {
        return location;
    }

    static boolean fromFramework(String name) {
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
            || name.startsWith("sun.") || name.startsWith("org.slf4j.") || name.startsWith("kconnect.host.")) {
            return true;
        }
        if (!name.startsWith("org.apache.kafka.")) {
            return false;
        }
        String connect = "org.apache.kafka.connect.";
        if (name.startsWith(connect + "transforms.")) {
            return name.equals(connect + "transforms.Transformation")
                || name.equals(connect + "transforms.predicates.Predicate");
        }
        for (String plugin : new String[] {"json.", "file.", "mirror.", "converters.", "storage.StringConverter",
            "storage.SimpleHeaderConverter"}) {
            if (name.startsWith(connect + plugin)) {
                return false;
            }
        }
        return !name.startsWith("org.apache.kafka.common.config.provider.")
            || name.equals("org.apache.kafka.common.config.provider.ConfigProvider");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (fromFramework(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    loaded = findClass(name);
                } catch (ClassNotFoundException notInPlugin) {
                    loaded = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> urls = new ArrayList<>(Collections.list(findResources(name)));
        urls.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(urls);
    }
}
