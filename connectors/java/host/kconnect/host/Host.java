package kconnect.host;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/**
 * The JVM side of kconnect's Java plugin host: reads requests from standard input, runs the
 * plugins of plugin.path as Apache's runtime runs them, and answers on standard output (what
 * plugins print goes to standard error, with their logs). The protocol is described in
 * connectors/java/src/protocol.rs.
 */
public final class Host {
    // Requests.
    static final int DISCOVER = 1;
    static final int VALIDATE = 2;
    static final int CONNECTOR_START = 3;
    static final int TASK_CONFIGS = 4;
    static final int CONNECTOR_STOP = 5;
    static final int SOURCE_START = 6;
    static final int SOURCE_POLL = 7;
    static final int SOURCE_COMMIT = 8;
    static final int TASK_STOP = 9;
    static final int SINK_START = 10;
    static final int SINK_OPEN = 11;
    static final int SINK_CLOSE = 12;
    static final int SINK_PUT = 13;
    static final int SINK_PRE_COMMIT = 14;
    static final int CHAIN_START = 15;
    static final int TRANSFORM = 16;
    static final int TEST = 17;
    static final int CHAIN_CLOSE = 18;
    static final int PING = 19;
    static final int CALL_REPLY = 127;
    // Frames the host sends.
    static final int OK = 0;
    static final int ERROR = 1;
    static final int CALL = 2;
    static final int EVENT = 3;

    private final DataOutputStream out;
    private final ExecutorService control = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "kconnect-host-control");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Long, Instance> instances = new ConcurrentHashMap<>();
    /** Per source task, the records polled and not yet handed back to commitRecord, in order. */
    private final Map<Long, java.util.ArrayDeque<SourceRecord>> uncommitted = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<byte[]>> calls = new ConcurrentHashMap<>();
    private final AtomicLong nextCall = new AtomicLong(1);
    private volatile Plugins plugins;

    private Host(DataOutputStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(System.err);
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        new Host(out).serve(in);
    }

    private void serve(DataInputStream in) throws IOException {
        while (true) {
            byte[] frame;
            try {
                frame = new byte[in.readInt()];
            } catch (EOFException closed) {
                // The worker is gone or done with us.
                System.exit(0);
                return;
            }
            in.readFully(frame);
            Wire.In request = new Wire.In(frame);
            long id = request.i64();
            int op = request.u8();
            if (op == CALL_REPLY) {
                CompletableFuture<byte[]> call = calls.remove(id);
                if (call != null) {
                    call.complete(java.util.Arrays.copyOfRange(frame, 9, frame.length));
                }
                continue;
            }
            if (op == PING) {
                // Answered here, not on a plugin's thread: a busy plugin is not a JVM that stopped.
                send(id, OK, new byte[0]);
                continue;
            }
            dispatch(id, op, request);
        }
    }

    private void dispatch(long id, int op, Wire.In request) throws IOException {
        switch (op) {
            case DISCOVER: {
                List<String> pluginPath = request.strings();
                String mode = request.string();
                control.submit(() -> answer(id, () -> discover(pluginPath, mode)));
                return;
            }
            case VALIDATE: {
                String className = request.string();
                Map<String, String> config = request.stringMap();
                control.submit(() -> answer(id, () -> validate(className, config)));
                return;
            }
            case CONNECTOR_START:
            case SOURCE_START:
            case SINK_START:
            case CHAIN_START: {
                long handle = request.i64();
                String className = request.string();
                Map<String, String> config = request.stringMap();
                control.submit(() -> answer(id, () -> create(op, handle, className, config)));
                return;
            }
            default:
                break;
        }
        long handle = request.i64();
        Instance instance = instances.get(handle);
        if (instance == null) {
            fail(id, new IllegalStateException("no plugin instance " + handle + " in this JVM (it restarted?)"));
            return;
        }
        switch (op) {
            case TASK_CONFIGS: {
                int maxTasks = request.i32();
                instance.submit(() -> answer(id, () -> taskConfigs((Connector) instance.plugin, maxTasks)));
                return;
            }
            case CONNECTOR_STOP:
                instance.submit(() -> answer(id, () -> {
                    instances.remove(handle);
                    ((Connector) instance.plugin).stop();
                    instance.close();
                    return new Wire.Out();
                }));
                return;
            case SOURCE_POLL: {
                List<RecordMetadata> committed = readCommitted(request);
                instance.submit(() -> answer(id, () -> poll(instance, committed)));
                return;
            }
            case SOURCE_COMMIT: {
                List<RecordMetadata> committed = readCommitted(request);
                instance.submit(() -> answer(id, () -> {
                    SourceTask task = (SourceTask) instance.plugin;
                    commitRecords(instance, committed);
                    task.commit();
                    return new Wire.Out();
                }));
                return;
            }
            case TASK_STOP:
                // Apache stops a task from another thread than the one that polls or puts.
                control.submit(() -> answer(id, () -> instance.withLoader(() -> {
                    instances.remove(handle);
                    uncommitted.remove(handle);
                    ((Task) instance.plugin).stop();
                    instance.close();
                    return new Wire.Out();
                })));
                return;
            case SINK_OPEN: {
                List<TopicPartition> partitions = Codec.readTopicPartitions(request);
                instance.submit(() -> answer(id, () -> {
                    ((SinkTask) instance.plugin).open(partitions);
                    return new Wire.Out();
                }));
                return;
            }
            case SINK_CLOSE: {
                List<TopicPartition> partitions = Codec.readTopicPartitions(request);
                instance.submit(() -> answer(id, () -> {
                    ((SinkTask) instance.plugin).close(partitions);
                    return new Wire.Out();
                }));
                return;
            }
            case SINK_PUT: {
                int count = request.i32();
                List<SinkRecord> records = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    records.add(Codec.readSinkRecord(request));
                }
                instance.submit(() -> answer(id, () -> {
                    ((SinkTask) instance.plugin).put(records);
                    return new Wire.Out();
                }));
                return;
            }
            case SINK_PRE_COMMIT: {
                Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                int count = request.i32();
                for (int i = 0; i < count; i++) {
                    String topic = request.string();
                    int partition = request.i32();
                    offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(request.i64()));
                }
                instance.submit(() -> answer(id, () -> preCommit((SinkTask) instance.plugin, offsets)));
                return;
            }
            case TRANSFORM: {
                ConnectRecord<?> record = Codec.readChainRecord(request);
                instance.submit(() -> answer(id, () -> transform(instance, record)));
                return;
            }
            case TEST: {
                ConnectRecord<?> record = Codec.readChainRecord(request);
                instance.submit(() -> answer(id, () -> test(instance, record)));
                return;
            }
            case CHAIN_CLOSE:
                instance.submit(() -> answer(id, () -> {
                    instances.remove(handle);
                    ((AutoCloseable) instance.plugin).close();
                    instance.close();
                    return new Wire.Out();
                }));
                return;
            default:
                fail(id, new IllegalArgumentException("unknown request " + op));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Wire.Out transform(Instance instance, ConnectRecord record) throws IOException {
        Object transformed = ((Transformation) instance.plugin).apply(record);
        Wire.Out reply = new Wire.Out().bool(transformed != null);
        if (transformed != null) {
            Codec.writeRecordCore(reply, (ConnectRecord<?>) transformed);
        }
        return reply;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Wire.Out test(Instance instance, ConnectRecord record) throws IOException {
        return new Wire.Out().bool(((Predicate) instance.plugin).test(record));
    }

    /** A request's work, run on the thread the request belongs to. */
    private interface Work {
        Wire.Out run() throws Exception;
    }

    private Void answer(long id, Work work) {
        try {
            Wire.Out reply = work.run();
            send(id, OK, reply.toByteArray());
        } catch (Throwable error) {
            fail(id, error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error);
        }
        return null;
    }

    private void fail(long id, Throwable error) {
        try {
            Wire.Out reply = new Wire.Out()
                .string(error.toString())
                .string(Contexts.stackTrace(error))
                .bool(error instanceof RetriableException);
            send(id, ERROR, reply.toByteArray());
        } catch (IOException lost) {
            System.err.println("kconnect host: cannot answer request " + id + ": " + lost);
        }
    }

    private void send(long id, int kind, byte[] payload) throws IOException {
        synchronized (out) {
            out.writeInt(payload.length + 9);
            out.writeLong(id);
            out.writeByte(kind);
            out.write(payload);
            out.flush();
        }
    }

    /** Sends an event about {@code handle}; nothing answers it. */
    void event(int event, long handle, Wire.Out payload) {
        try {
            send(0, EVENT, concat(new Wire.Out().u8(event).i64(handle).toByteArray(), payload.toByteArray()));
        } catch (IOException lost) {
            System.err.println("kconnect host: an event was lost: " + lost);
        }
    }

    /** Asks the Rust runtime something about {@code handle} and waits for its answer. */
    Wire.In call(int call, long handle, Wire.Out payload) throws IOException {
        long id = nextCall.getAndIncrement();
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        calls.put(id, answer);
        byte[] body = payload.toByteArray();
        send(id, CALL, concat(new Wire.Out().u8(call).i64(handle).toByteArray(), body));
        try {
            return new Wire.In(answer.get());
        } catch (InterruptedException | ExecutionException interrupted) {
            throw new IOException("no answer from the worker", interrupted);
        }
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] both = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, both, head.length, tail.length);
        return both;
    }

    private Wire.Out discover(List<String> pluginPath, String mode) throws IOException {
        plugins = new Plugins(pluginPath, mode);
        return new Wire.Out().string(Json.write(plugins.descriptions()));
    }

    private Wire.Out validate(String className, Map<String, String> config) throws Exception {
        Connector connector = (Connector) plugins.newInstance(className);
        String infos = LoaderSwap.with(plugins.loader(className), () -> {
            Config result = connector.validate(config);
            return Json.write(ConfigJson.infos(connector.config(), result));
        });
        return new Wire.Out().string(infos);
    }

    private Wire.Out create(int op, long handle, String className, Map<String, String> config) throws Exception {
        ClassLoader loader = plugins.loader(className);
        if (op == CHAIN_START) {
            org.apache.kafka.common.Configurable plugin = (org.apache.kafka.common.Configurable) plugins.newInstance(className);
            return started(new Instance(handle, plugin, loader), () -> plugin.configure(config));
        }
        Connector connector = (Connector) plugins.newInstance(className);
        if (op == CONNECTOR_START) {
            return started(new Instance(handle, connector, loader), () -> {
                connector.initialize(new Contexts.Connector(this, handle));
                connector.start(config);
            });
        }
        Task task = LoaderSwap.with(loader, () -> connector.taskClass().getDeclaredConstructor().newInstance());
        return started(new Instance(handle, task, loader), () -> {
            if (op == SOURCE_START) {
                uncommitted.put(handle, new java.util.ArrayDeque<>());
                ((SourceTask) task).initialize(new Contexts.SourceTask(this, handle, config));
            } else {
                ((SinkTask) task).initialize(new Contexts.SinkTask(this, handle, config));
            }
            task.start(config);
        });
    }

    /** What starts an instance, on its own thread. */
    private interface Start {
        void run() throws Exception;
    }

    /**
     * Keeps {@code instance} and runs {@code start} on its thread; an instance whose start failed
     * is forgotten and its thread ended (the worker forgets its handle too).
     */
    private Wire.Out started(Instance instance, Start start) throws Exception {
        instances.put(instance.handle, instance);
        try {
            instance.submit(() -> {
                start.run();
                return null;
            }).get();
            return new Wire.Out();
        } catch (Exception failed) {
            instances.remove(instance.handle);
            uncommitted.remove(instance.handle);
            instance.close();
            throw failed;
        }
    }

    private static Wire.Out taskConfigs(Connector connector, int maxTasks) throws IOException {
        List<Map<String, String>> configs = connector.taskConfigs(maxTasks);
        Wire.Out reply = new Wire.Out().string(connector.taskClass().getName()).i32(configs.size());
        for (Map<String, String> config : configs) {
            reply.stringMap(config);
        }
        return reply;
    }

    /** The records acknowledged since the last request, in the order they were polled. */
    private static List<RecordMetadata> readCommitted(Wire.In request) throws IOException {
        int count = request.i32();
        List<RecordMetadata> committed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (request.bool()) {
                String topic = request.string();
                int partition = request.i32();
                long offset = request.i64();
                committed.add(new RecordMetadata(new TopicPartition(topic, partition), offset, 0, -1L, -1, -1));
            } else {
                committed.add(null);
            }
        }
        return committed;
    }

    private void commitRecords(Instance instance, List<RecordMetadata> committed) throws InterruptedException {
        java.util.ArrayDeque<SourceRecord> polled = uncommitted.get(instance.handle);
        SourceTask task = (SourceTask) instance.plugin;
        for (RecordMetadata metadata : committed) {
            SourceRecord record = polled.pollFirst();
            if (record != null) {
                task.commitRecord(record, metadata);
            }
        }
    }

    private Wire.Out poll(Instance instance, List<RecordMetadata> committed) throws Exception {
        commitRecords(instance, committed);
        List<SourceRecord> records = ((SourceTask) instance.plugin).poll();
        if (records == null) {
            records = List.of();
        }
        uncommitted.get(instance.handle).addAll(records);
        Wire.Out reply = new Wire.Out().i32(records.size());
        for (SourceRecord record : records) {
            Codec.writeSourceRecord(reply, record);
        }
        return reply;
    }

    private static Wire.Out preCommit(SinkTask task, Map<TopicPartition, OffsetAndMetadata> offsets) throws IOException {
        Map<TopicPartition, OffsetAndMetadata> committable = task.preCommit(offsets);
        if (committable == null) {
            committable = Map.of();
        }
        Wire.Out reply = new Wire.Out().i32(committable.size());
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committable.entrySet()) {
            reply.string(entry.getKey().topic()).i32(entry.getKey().partition()).i64(entry.getValue().offset());
        }
        return reply;
    }
}
