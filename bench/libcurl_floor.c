/* The least a libcurl probe can cost: N sequential HTTPS GETs, each on a
 * fresh connection (no connection or TLS-session reuse, as the exporter's
 * probes), without even verifying the certificate (the exporter verifies
 * the kept chain itself, cached), and nothing else: no chain kept, no
 * metrics, no HTTP server. Prints CPU time per probe
 * and the process's RSS, so bench/probe.py can show the floor that using
 * Debian's libcurl and OpenSSL sets under any exporter built on them.
 * Usage: libcurl_floor URL N */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static size_t discard(char* data, size_t size, size_t n, void* user) {
  (void)data;
  (void)user;
  return size * n;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static long status_kib(const char* key) {
  char line[256];
  long value = -1;
  FILE* f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, strlen(key)) == 0) value = atol(line + strlen(key));
  }
  fclose(f);
  return value;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s URL N\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  long idle_kib = status_kib("VmRSS:");
  double start = cpu_seconds();
  for (long i = 0; i < n; ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, argv[1]);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    /* Not even the default CA bundle is loaded. */
    curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(easy);
    curl_easy_cleanup(easy);
    if (rc != CURLE_OK) {
      fprintf(stderr, "probe %ld: %s\n", i, curl_easy_strerror(rc));
      return 1;
    }
  }
  printf("cpu_per_probe_s=%.6f idle_rss_kib=%ld peak_rss_kib=%ld\n",
         (cpu_seconds() - start) / (double)n, idle_kib, status_kib("VmHWM:"));
  return 0;
}
