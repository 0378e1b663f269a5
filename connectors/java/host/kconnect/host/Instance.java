package kconnect.host;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One connector or task the host runs: its plugin object, its own thread (Apache gives each task
 * a thread of its own, and so does the host: a poll that blocks holds only its task), and its
 * plugin's class loader, which is the context class loader while the plugin runs.
 */
final class Instance {
    final long handle;
    final Object plugin;
    private final ClassLoader loader;
    private final ExecutorService thread;

    Instance(long handle, Object plugin, ClassLoader loader) {
        this.handle = handle;
        this.plugin = plugin;
        this.loader = loader;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread named = new Thread(runnable, "kconnect-" + handle + "-" + plugin.getClass().getSimpleName());
            named.setDaemon(true);
            named.setContextClassLoader(loader);
            return named;
        });
    }

    /** Runs {@code work} on this instance's thread. */
    <T> Future<T> submit(Callable<T> work) {
        return thread.submit(work);
    }

    /** Runs {@code work} on the calling thread with the plugin's class loader as context loader. */
    <T> T withLoader(Callable<T> work) throws Exception {
        return LoaderSwap.with(loader, work::call);
    }

    /** Lets the thread end once what was submitted ran. */
    void close() {
        thread.shutdown();
    }
}
