/*
 * SHA-256 on a thread of its own, fed through a ring of buffers: the thread that inflates fills one
 * buffer while this one hashes the last, so inflating and hashing a layer overlap on two cores.
 */
#ifndef BALER_SHA256_RING_H
#define BALER_SHA256_RING_H
#include <stdint.h>

typedef struct Sha256Ring Sha256Ring;

/* NULL when out of memory, or the thread or OpenSSL's context cannot be set up */
Sha256Ring *sha256_ring_create(void);
/* The next buffer to fill, waiting while all are queued for hashing; *capacity is its size. */
uint8_t *sha256_ring_acquire(Sha256Ring *ring, uint32_t *capacity);
/* Queues the acquired buffer's first len bytes for hashing (len 0 leaves it free). */
void sha256_ring_commit(Sha256Ring *ring, uint32_t len);
/* Waits until every queued byte is hashed, stops the thread, writes the digest; 0 on success. */
int sha256_ring_finish(Sha256Ring *ring, unsigned char digest[32]);
/* Stops the thread (if finish did not) and frees everything. */
void sha256_ring_destroy(Sha256Ring *ring);

#endif
