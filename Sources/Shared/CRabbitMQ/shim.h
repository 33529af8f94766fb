#ifndef SOPZ_CRABBITMQ_SHIM_H
#define SOPZ_CRABBITMQ_SHIM_H

// rabbitmq-c 0.12+ moved its headers under <rabbitmq-c/…>; Debian 12 ships 0.11 with flat ones.
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/ssl_socket.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#endif
#include <sys/time.h>
#include <stdio.h>
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/prctl.h>

#include <stdint.h>
#include <string.h>
#include <stdlib.h>

/// A `struct timeval` of `seconds` (Swift cannot see timeval's members through Foundation here).
static inline struct timeval sopz_timeval(double seconds) {
    struct timeval value;
    value.tv_sec = (time_t)seconds;
    value.tv_usec = (suseconds_t)((seconds - (double)value.tv_sec) * 1000000.0);
    return value;
}

/// A non-blocking eventfd for waking a connection thread; -1 on failure.
static inline int sopz_eventfd_open(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline void sopz_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written; // only fails when the counter is saturated: it is signalled already
}

static inline void sopz_eventfd_drain(int fd) {
    uint64_t count;
    ssize_t read_bytes = read(fd, &count, sizeof count);
    (void)read_bytes; // EAGAIN: nothing was signalled
}

/// Sleeps until `socket_fd` has something to read (or failed), `wake_fd` was signalled, or
/// `timeout_ms` passed; a negative descriptor is left out. Returns 1 for the socket, 2 for a
/// wake-up (both: 3), 0 after the timeout. The wake-up is consumed.
static inline int sopz_wait(int socket_fd, int wake_fd, int timeout_ms) {
    struct pollfd fds[2];
    int count = 0, socket_index = -1, wake_index = -1;
    if (socket_fd >= 0) { fds[count].fd = socket_fd; fds[count].events = POLLIN; fds[count].revents = 0; socket_index = count++; }
    if (wake_fd >= 0) { fds[count].fd = wake_fd; fds[count].events = POLLIN; fds[count].revents = 0; wake_index = count++; }
    int ready;
    do { ready = poll(fds, (nfds_t)count, timeout_ms); } while (ready < 0 && errno == EINTR);
    if (ready <= 0) return 0;
    int result = 0;
    if (socket_index >= 0 && fds[socket_index].revents != 0) result |= 1;
    if (wake_index >= 0 && fds[wake_index].revents != 0) { result |= 2; sopz_eventfd_drain(wake_fd); }
    return result;
}

/// Names the calling thread (the kernel keeps 15 bytes), so `top -H` and profilers tell the
/// AMQP connection threads apart from the NIO event loop that started them.
static inline void sopz_name_thread(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/// Corks (`on` = 1) or uncorks (0) a TCP socket: while corked, the kernel holds partial
/// segments, so the many small TLS records rabbitmq-c writes for a batch (three per message)
/// leave together when it is uncorked. Returns 0, or -1 with errno set.
static inline int sopz_cork(int socket_fd, int on) {
    return setsockopt(socket_fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

/// Declares a durable quorum queue that dead-letters to `dead_letter_exchange` and gives up on
/// a message after `delivery_limit` deliveries (a crash loop cannot go on for ever).
static inline amqp_rpc_reply_t sopz_declare_quorum_queue(amqp_connection_state_t state, amqp_channel_t channel,
                                                         const char *queue, const char *dead_letter_exchange,
                                                         int64_t delivery_limit) {
    amqp_table_entry_t entries[3];
    int count = 0;
    entries[count].key = amqp_cstring_bytes("x-queue-type");
    entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[count].value.value.bytes = amqp_cstring_bytes("quorum");
    count++;
    if (dead_letter_exchange != NULL) {
        entries[count].key = amqp_cstring_bytes("x-dead-letter-exchange");
        entries[count].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[count].value.value.bytes = amqp_cstring_bytes(dead_letter_exchange);
        count++;
    }
    if (delivery_limit > 0) {
        entries[count].key = amqp_cstring_bytes("x-delivery-limit");
        entries[count].value.kind = AMQP_FIELD_KIND_I64;
        entries[count].value.value.i64 = delivery_limit;
        count++;
    }
    amqp_table_t arguments = {.num_entries = count, .entries = entries};
    amqp_queue_declare(state, channel, amqp_cstring_bytes(queue), 0, 1, 0, 0, arguments);
    return amqp_get_rpc_reply(state);
}

/// Publishes one persistent message with string headers (`header_keys[i]` = `header_values[i]`).
static inline int sopz_publish(amqp_connection_state_t state, amqp_channel_t channel, const char *exchange,
                               const char *routing_key, int mandatory, const void *body, size_t body_length,
                               const char *message_id, const char *type, const char *content_type,
                               uint64_t timestamp, const char *const *header_keys,
                               const char *const *header_values, int header_count) {
    amqp_table_entry_t *entries = NULL;
    if (header_count > 0) {
        entries = (amqp_table_entry_t *)calloc((size_t)header_count, sizeof(amqp_table_entry_t));
        if (entries == NULL) return AMQP_STATUS_NO_MEMORY;
        for (int i = 0; i < header_count; i++) {
            entries[i].key = amqp_cstring_bytes(header_keys[i]);
            entries[i].value.kind = AMQP_FIELD_KIND_UTF8;
            entries[i].value.value.bytes = amqp_cstring_bytes(header_values[i]);
        }
    }
    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof(properties));
    properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
    properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    properties.content_type = amqp_cstring_bytes(content_type);
    properties.timestamp = timestamp;
    if (message_id != NULL) {
        properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        properties.message_id = amqp_cstring_bytes(message_id);
    }
    if (type != NULL) {
        properties._flags |= AMQP_BASIC_TYPE_FLAG;
        properties.type = amqp_cstring_bytes(type);
    }
    if (header_count > 0) {
        properties._flags |= AMQP_BASIC_HEADERS_FLAG;
        properties.headers.num_entries = header_count;
        properties.headers.entries = entries;
    }
    amqp_bytes_t payload = {.len = body_length, .bytes = (void *)body};
    int status = amqp_basic_publish(state, channel, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key),
                                    mandatory, 0, &properties, payload);
    free(entries);
    return status;
}

/// Copies a short-string property (`message_id`, `type`) into `out`; returns its length or -1 when absent.
static inline int sopz_copy_bytes(amqp_bytes_t bytes, int present, char *out, size_t capacity) {
    if (!present || bytes.bytes == NULL) return -1;
    size_t length = bytes.len < capacity - 1 ? bytes.len : capacity - 1;
    memcpy(out, bytes.bytes, length);
    out[length] = 0;
    return (int)length;
}

/// The number of headers of a message (0 when it has none).
static inline int sopz_header_count(const amqp_basic_properties_t *properties) {
    if (!(properties->_flags & AMQP_BASIC_HEADERS_FLAG)) return 0;
    return properties->headers.num_entries;
}

/// Header `index` as text: its key into `key`, its value (strings verbatim, integers in decimal)
/// into `value`. Returns 0, or -1 for a value of another kind (skipped).
static inline int sopz_header_at(const amqp_basic_properties_t *properties, int index, char *key,
                                 size_t key_capacity, char *value, size_t value_capacity) {
    const amqp_table_entry_t *entry = &properties->headers.entries[index];
    sopz_copy_bytes(entry->key, 1, key, key_capacity);
    switch (entry->value.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
        sopz_copy_bytes(entry->value.value.bytes, 1, value, value_capacity);
        return 0;
    case AMQP_FIELD_KIND_I8: snprintf(value, value_capacity, "%d", entry->value.value.i8); return 0;
    case AMQP_FIELD_KIND_U8: snprintf(value, value_capacity, "%u", entry->value.value.u8); return 0;
    case AMQP_FIELD_KIND_I16: snprintf(value, value_capacity, "%d", entry->value.value.i16); return 0;
    case AMQP_FIELD_KIND_U16: snprintf(value, value_capacity, "%u", entry->value.value.u16); return 0;
    case AMQP_FIELD_KIND_I32: snprintf(value, value_capacity, "%d", entry->value.value.i32); return 0;
    case AMQP_FIELD_KIND_U32: snprintf(value, value_capacity, "%u", entry->value.value.u32); return 0;
    case AMQP_FIELD_KIND_I64: snprintf(value, value_capacity, "%lld", (long long)entry->value.value.i64); return 0;
    case AMQP_FIELD_KIND_U64:
        snprintf(value, value_capacity, "%llu", (unsigned long long)entry->value.value.u64);
        return 0;
    default: return -1;
    }
}

/// `amqp_login` is C-variadic, which Swift cannot call: this fixes the variadic part to
/// "no extra client properties" and PLAIN authentication.
static inline amqp_rpc_reply_t sopz_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                      int channel_max, int frame_max, int heartbeat,
                                                      const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

#endif
