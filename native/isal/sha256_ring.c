#include "sha256_ring.h"
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

#define RING_BUFFERS 4
#define RING_BUFFER_BYTES (1024 * 1024)

struct Sha256Ring {
  EVP_MD_CTX *sha;
  uint8_t *buffers[RING_BUFFERS];
  uint32_t lengths[RING_BUFFERS];
  int head;   /* oldest buffer queued for hashing */
  int queued; /* buffers queued: head .. head + queued - 1 */
  int stop;
  int failed;
  int running;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
};

static void *hash_loop(void *arg) {
  Sha256Ring *r = arg;
  pthread_mutex_lock(&r->lock);
  for (;;) {
    while (r->queued == 0 && !r->stop) pthread_cond_wait(&r->changed, &r->lock);
    if (r->queued == 0) break; /* stopped with nothing left */
    int at = r->head;
    pthread_mutex_unlock(&r->lock);
    int ok = EVP_DigestUpdate(r->sha, r->buffers[at], r->lengths[at]) == 1;
    pthread_mutex_lock(&r->lock);
    if (!ok) r->failed = 1;
    r->head = (r->head + 1) % RING_BUFFERS;
    r->queued--;
    pthread_cond_broadcast(&r->changed);
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

Sha256Ring *sha256_ring_create(void) {
  Sha256Ring *r = calloc(1, sizeof(Sha256Ring));
  if (r == NULL) return NULL;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->changed, NULL);
  r->sha = EVP_MD_CTX_new();
  int ok = r->sha != NULL && EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) == 1;
  for (int i = 0; ok && i < RING_BUFFERS; i++) ok = (r->buffers[i] = malloc(RING_BUFFER_BYTES)) != NULL;
  if (ok && pthread_create(&r->thread, NULL, hash_loop, r) == 0) {
    r->running = 1;
    return r;
  }
  sha256_ring_destroy(r);
  return NULL;
}

uint8_t *sha256_ring_acquire(Sha256Ring *r, uint32_t *capacity) {
  pthread_mutex_lock(&r->lock);
  while (r->queued == RING_BUFFERS) pthread_cond_wait(&r->changed, &r->lock);
  uint8_t *b = r->buffers[(r->head + r->queued) % RING_BUFFERS];
  pthread_mutex_unlock(&r->lock);
  *capacity = RING_BUFFER_BYTES;
  return b;
}

void sha256_ring_commit(Sha256Ring *r, uint32_t len) {
  if (len == 0) return;
  pthread_mutex_lock(&r->lock);
  r->lengths[(r->head + r->queued) % RING_BUFFERS] = len;
  r->queued++;
  pthread_cond_broadcast(&r->changed);
  pthread_mutex_unlock(&r->lock);
}

static void stop_thread(Sha256Ring *r) {
  if (!r->running) return;
  pthread_mutex_lock(&r->lock);
  r->stop = 1;
  pthread_cond_broadcast(&r->changed);
  pthread_mutex_unlock(&r->lock);
  pthread_join(r->thread, NULL);
  r->running = 0;
}

int sha256_ring_finish(Sha256Ring *r, unsigned char digest[32]) {
  stop_thread(r); /* the thread hashes what is queued before it stops */
  unsigned int len = 0;
  if (r->failed || EVP_DigestFinal_ex(r->sha, digest, &len) != 1 || len != 32) return -1;
  return 0;
}

void sha256_ring_destroy(Sha256Ring *r) {
  if (r == NULL) return;
  stop_thread(r);
  if (r->sha != NULL) EVP_MD_CTX_free(r->sha);
  for (int i = 0; i < RING_BUFFERS; i++) free(r->buffers[i]);
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->changed);
  free(r);
}
