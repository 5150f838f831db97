/* CoColor OpenCL backend: the OpenCL loader and CLBlast opened at run time
 * (see cc-cl-api.h).  One attempt per process, under GOnce; the libraries
 * stay loaded once opened (drivers and CLBlast do not expect to be
 * unloaded). */
#include "config.h"

#define CC_CL_API_NO_REDIRECT /* this file resolves the real names */

#include <gmodule.h>
#include <glib/gi18n-lib.h>

#include "cc-cl-api.h"
#include "cc-opencl.h"

/* The names the platforms' packages install, most specific first. */
#if defined(G_OS_WIN32)
static const char *const opencl_names[] = { "OpenCL.dll", NULL };
static const char *const clblast_names[] = { "clblast.dll", "libclblast.dll", NULL };
#elif defined(__APPLE__)
static const char *const opencl_names[]
    = { "/System/Library/Frameworks/OpenCL.framework/OpenCL", NULL };
static const char *const clblast_names[] = { "libclblast.1.dylib", "libclblast.dylib", NULL };
#else
static const char *const opencl_names[] = { "libOpenCL.so.1", "libOpenCL.so", NULL };
static const char *const clblast_names[] = { "libclblast.so.1", "libclblast.so", NULL };
#endif

typedef struct
{
  CcClApi api;
  GError *error; /* why not, or NULL */
} Loaded;

/* The first of names (or $env alone, when set) that opens; the module is
 * never closed.  Otherwise NULL and the error, format taking the dynamic
 * linker's reason for the first name. */
static GModule *
open_first (const char *env, const char *const *names, const char *format, GError **error)
{
  const char *override = g_getenv (env);
  const char *const only[] = { override, NULL };
  g_autofree char *why = NULL;

  if (override && *override)
    names = only;
  for (const char *const *name = names; *name; name++)
    {
      GModule *module = g_module_open (*name, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

      if (module)
        {
          g_module_make_resident (module);
          return module;
        }
      if (why == NULL)
        why = g_strdup (g_module_error ());
    }
  g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_NO_PLATFORM, format, why);
  return NULL;
}

static gboolean
resolve (GModule *module, const char *name, gpointer *symbol, GError **error)
{
  if (g_module_symbol (module, name, symbol) && *symbol != NULL)
    return TRUE;
  g_set_error (error, CC_CL_ERROR, CC_CL_ERROR_NO_PLATFORM, _ ("The library %s has no function %s"),
               g_module_name (module), name);
  return FALSE;
}

static Loaded *
load (void)
{
  Loaded *l = g_new0 (Loaded, 1);
  GModule *opencl, *clblast = NULL;
  gpointer symbol = NULL;

  /* CLBlast's own reference to the loader is then the one already loaded. */
  opencl = open_first ("COCOLOR_OPENCL_LIBRARY", opencl_names,
                       _ ("The OpenCL loader cannot be opened: %s"), &l->error);
  if (opencl)
    clblast = open_first ("COCOLOR_CLBLAST_LIBRARY", clblast_names,
                          _ ("CLBlast cannot be opened: %s"), &l->error);
  if (clblast == NULL)
    return l;
#define RESOLVE(module, name)                                                                      \
  if (l->error == NULL && resolve (module, #name, &symbol, &l->error))                             \
    l->api.name = (__typeof__ (l->api.name))symbol;
#define RESOLVE_OPENCL(name) RESOLVE (opencl, name)
#define RESOLVE_CLBLAST(name) RESOLVE (clblast, name)
  CC_CL_OPENCL_FUNCTIONS (RESOLVE_OPENCL)
  CC_CL_CLBLAST_FUNCTIONS (RESOLVE_CLBLAST)
#undef RESOLVE_CLBLAST
#undef RESOLVE_OPENCL
#undef RESOLVE
  return l;
}

/* Made once, never changed after, kept for the process. */
static Loaded *
loaded (void)
{
  static gsize l; /* a Loaded * */

  if (g_once_init_enter (&l))
    g_once_init_leave (&l, (gsize)load ());
  return (Loaded *)l;
}

const CcClApi *
cc_cl_api_load (GError **error)
{
  Loaded *l = loaded ();

  if (l->error)
    {
      g_propagate_error (error, g_error_copy (l->error));
      return NULL;
    }
  return &l->api;
}

const CcClApi *
cc_cl_api (void)
{
  return &loaded ()->api;
}
