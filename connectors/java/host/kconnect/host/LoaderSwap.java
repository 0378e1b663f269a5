package kconnect.host;

/**
 * Runs plugin code with the plugin's class loader as the thread's context class loader, and puts
 * the previous one back, as Apache's LoaderSwap: plugins that load classes by name (Debezium, JDBC
 * drivers) find their own.
 */
final class LoaderSwap {
    private LoaderSwap() {
    }

    /** Work that returns a value and may throw {@code E}. */
    interface Work<T, E extends Exception> {
        T run() throws E;
    }

    static <T, E extends Exception> T with(ClassLoader loader, Work<T, E> work) throws E {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
