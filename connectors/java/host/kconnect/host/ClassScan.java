package kconnect.host;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds plugins by looking at every class of a plugin location, as Apache's reflective scan does
 * for jars that carry no ServiceLoader manifests: public, concrete classes with a public no-argument
 * constructor that implement a plugin interface and come from the location itself.
 */
final class ClassScan {
    private ClassScan() {
    }

    /** The plugins of {@code location} (loaded by {@code loader}) not in {@code known}. */
    static List<Class<?>> plugins(Path location, ClassLoader loader, Collection<Class<?>> types,
        Collection<String> known) throws IOException {
        List<Class<?>> found = new ArrayList<>();
        for (String name : classNames(location)) {
            if (known.contains(name)) {
                continue;
            }
            Class<?> candidate;
            try {
                candidate = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError unloadable) {
                continue;
            }
            if (candidate.getClassLoader() == loader && isPlugin(candidate, types)) {
                found.add(candidate);
            }
        }
        return found;
    }

    private static boolean isPlugin(Class<?> candidate, Collection<Class<?>> types) {
        int modifiers = candidate.getModifiers();
        if (candidate.isInterface() || Modifier.isAbstract(modifiers) || !Modifier.isPublic(modifiers)
            || types.stream().noneMatch(type -> type.isAssignableFrom(candidate))) {
            return false;
        }
        try {
            return Modifier.isPublic(candidate.getConstructor().getModifiers());
        } catch (NoSuchMethodException | LinkageError noDefault) {
            return false;
        }
    }

    /** The names of the classes in a jar, or in the jars and class files of a directory. */
    private static List<String> classNames(Path location) throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(location)) {
            addJar(location, names);
            return names;
        }
        try (Stream<Path> files = Files.walk(location)) {
            for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                String path = location.relativize(file).toString();
                if (path.endsWith(".class")) {
                    names.add(className(path.replace(java.io.File.separatorChar, '/')));
                } else if (Plugins.isArchive(file)) {
                    addJar(file, names);
                }
            }
        }
        return names;
    }

    private static void addJar(Path jar, List<String> names) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                String entry = entries.nextElement().getName();
                if (entry.endsWith(".class") && !entry.startsWith("META-INF/") && !entry.endsWith("module-info.class")) {
                    names.add(className(entry));
                }
            }
        }
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.');
    }
}
