package kconnect.host;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkConnectorContext;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.apache.kafka.connect.source.SourceConnectorContext;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * The contexts Apache's runtime hands connectors and tasks, each answered by the Rust runtime:
 * what needs an answer is a {@link Host#call}, what does not an {@link Host#event}.
 */
final class Contexts {
    /** Events the host sends without waiting (see connectors/java/src/protocol.rs). */
    static final int RECONFIGURE = 1;
    static final int RAISE_ERROR = 2;
    static final int REQUEST_COMMIT = 3;
    static final int TIMEOUT = 4;
    static final int SEEK = 5;
    static final int PAUSE = 6;
    static final int RESUME = 7;
    static final int ERRANT = 8;
    /** Calls the host waits on. */
    static final int OFFSET = 1;
    static final int ASSIGNMENT = 2;

    private Contexts() {
    }

    static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    /** What a connector of either direction may ask. */
    static final class Connector implements SourceConnectorContext, SinkConnectorContext {
        private final Host host;
        private final long handle;

        Connector(Host host, long handle) {
            this.host = host;
            this.handle = handle;
        }

        @Override
        public void requestTaskReconfiguration() {
            host.event(RECONFIGURE, handle, new Wire.Out());
        }

        @Override
        public void raiseError(Exception error) {
            host.event(RAISE_ERROR, handle, new Wire.Out().string(stackTrace(error)));
        }

        @Override
        public OffsetStorageReader offsetStorageReader() {
            return new Offsets(host, handle);
        }
    }

    /** The committed offsets, read from the Rust runtime's offset store. */
    static final class Offsets implements OffsetStorageReader {
        private final Host host;
        private final long handle;

        Offsets(Host host, long handle) {
            this.host = host;
            this.handle = handle;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> Map<String, Object> offset(Map<String, T> partition) {
            try {
                Wire.Out request = new Wire.Out();
                Codec.writeValue(request, partition);
                return (Map<String, Object>) Codec.readValue(host.call(OFFSET, handle, request), null);
            } catch (IOException failed) {
                throw new UncheckedIOException(failed);
            }
        }

        @Override
        public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            Map<Map<String, T>, Map<String, Object>> offsets = new HashMap<>();
            for (Map<String, T> partition : partitions) {
                offsets.put(partition, offset(partition));
            }
            return offsets;
        }
    }

    /** A source task's context. */
    static final class SourceTask implements SourceTaskContext {
        private final Map<String, String> config;
        private final Offsets offsets;

        SourceTask(Host host, long handle, Map<String, String> config) {
            this.config = config;
            this.offsets = new Offsets(host, handle);
        }

        @Override
        public Map<String, String> configs() {
            return config;
        }

        @Override
        public OffsetStorageReader offsetStorageReader() {
            return offsets;
        }
    }

    /** A sink task's context. */
    static final class SinkTask implements SinkTaskContext, ErrantRecordReporter {
        private final Host host;
        private final long handle;
        private final Map<String, String> config;

        SinkTask(Host host, long handle, Map<String, String> config) {
            this.host = host;
            this.handle = handle;
            this.config = config;
        }

        private void send(int event, Wire.Out payload) {
            host.event(event, handle, payload);
        }

        private static Wire.Out partitions(TopicPartition... partitions) {
            Wire.Out out = new Wire.Out();
            Codec.writeTopicPartitions(out, List.of(partitions));
            return out;
        }

        @Override
        public Map<String, String> configs() {
            return config;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            Wire.Out out = new Wire.Out().i32(offsets.size());
            for (Map.Entry<TopicPartition, Long> entry : offsets.entrySet()) {
                out.string(entry.getKey().topic()).i32(entry.getKey().partition()).i64(entry.getValue());
            }
            send(SEEK, out);
        }

        @Override
        public void offset(TopicPartition partition, long offset) {
            offset(Map.of(partition, offset));
        }

        @Override
        public void timeout(long timeoutMs) {
            send(TIMEOUT, new Wire.Out().i64(timeoutMs));
        }

        @Override
        public Set<TopicPartition> assignment() {
            try {
                return new HashSet<>(Codec.readTopicPartitions(host.call(ASSIGNMENT, handle, new Wire.Out())));
            } catch (IOException failed) {
                throw new UncheckedIOException(failed);
            }
        }

        @Override
        public void pause(TopicPartition... partitions) {
            send(PAUSE, partitions(partitions));
        }

        @Override
        public void resume(TopicPartition... partitions) {
            send(RESUME, partitions(partitions));
        }

        @Override
        public void requestCommit() {
            send(REQUEST_COMMIT, new Wire.Out());
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            return this;
        }

        /** Reports a record of the batch being put by where Kafka holds it, with the error. */
        @Override
        public Future<Void> report(SinkRecord record, Throwable error) {
            send(ERRANT, new Wire.Out().string(record.originalTopic()).i32(record.originalKafkaPartition())
                .i64(record.originalKafkaOffset()).string(String.valueOf(error)));
            return CompletableFuture.completedFuture(null);
        }
    }
}
