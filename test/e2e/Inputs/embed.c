/* Embeds a compiled model in a C program through its generated header. */
#include <stdio.h>
#include <string.h>

#include "tiny.h"

int main(void) {
  /* Parameters in the header's order: dense_0.weight [3, 2], dense_0.bias [2]. */
  float weight[3 * 2] = {1, -1, 0, 0, 0, 0};
  float bias[2] = {0, 0};
  float x[4 * 3] = {0}; /* a batch of 4 samples of 3 features */
  float pred[4 * 2];
  x[0] = 2.0f;          /* sample 0: feature 0 = 2 -> logits (2, -2) */
  void *ptrs[] = {weight, bias, x, pred};
  void *args[] = {&ptrs[0], &ptrs[1], &ptrs[2], &ptrs[3]};
  lathe_predict(args);
  for (int i = 0; i < 2; ++i)
    printf("sample %d: %.4f %.4f\n", i, pred[2 * i], pred[2 * i + 1]);
  printf("description starts: %.12s\n", lathe_model_description);
  return 0;
}
