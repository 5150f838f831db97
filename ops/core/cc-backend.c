/* CoColor inference core: the registry of backends (see cc-backend.h). */
#include "config.h"

#include "cc-backend.h"

#define MAX_BACKENDS 8

static const CcBackendClass *registered[MAX_BACKENDS];
static int n_registered;
static GMutex lock;

void
cc_backend_register (const CcBackendClass *klass)
{
  g_return_if_fail (klass != NULL && klass->create != NULL && klass->ops != NULL);

  g_mutex_lock (&lock);
  for (int i = 0; i < n_registered; i++)
    if (registered[i] == klass)
      klass = NULL;
  if (klass != NULL && n_registered < MAX_BACKENDS)
    registered[n_registered++] = klass;
  g_mutex_unlock (&lock);
}

const CcBackendClass *
cc_backend_lookup (CcDevice device)
{
  const CcBackendClass *found = NULL;

  if (device == CC_DEVICE_CPU)
    return &cc_cpu_backend_class;
  g_mutex_lock (&lock);
  for (int i = 0; i < n_registered && found == NULL; i++)
    if (registered[i]->device != CC_DEVICE_CPU
        && (device == CC_DEVICE_AUTO || registered[i]->device == device))
      found = registered[i];
  g_mutex_unlock (&lock);
  return found;
}
