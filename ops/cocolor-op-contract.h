/* The contract of the GEGL operation cocolor:colorize, written once: its
 * name, its properties' names, labels (and the plug-in dialog's, with a
 * mnemonic), tooltips, defaults and ranges, its
 * enums' nicks and labels, and how it reports a failure.  ops/colorize.c
 * declares the op from it; the GIMP plug-in declares its arguments from it
 * and talks to the op through GEGL only.  Macros only: include
 * <glib/gi18n-lib.h> (for N_ ()) first.
 *
 * Failures: the op never stops its host.  When it cannot colorize (a bad
 * model, no memory), it emits ONE g_warning () in the log domain
 * COCOLOR_LOG_DOMAIN, whose message is the problem itself, and passes the
 * picture through.  Notes that change nothing in the result (OpenCL failed
 * and the CPU gave the same picture) are g_message ()s of that domain, so a
 * warning always means the picture was not colorized. */
#pragma once

#define COCOLOR_OP_NAME "cocolor:colorize"
/* Its title: GIMP's filter dialog, the plug-in's dialog and effects. */
#define COCOLOR_OP_TITLE N_ ("CoColor Colorize")
/* The same op with colour hints: an aux pad takes the hint picture (RGBA in
 * the input's coordinates; alpha >= 0.5 is a hint, its colour the colour
 * wanted there).  A separate op because GIMP 3.0 keeps no non-destructive
 * effect of an op with an aux pad: cocolor:colorize stays one.  Without
 * aux it gives cocolor:colorize's result bit for bit. */
#define COCOLOR_OP_HINTS_NAME "cocolor:colorize-hints"
#define COCOLOR_OP_HINTS_TITLE N_ ("CoColor Colorize with Hints")
/* G_LOG_DOMAIN of the op, the inference core and the plug-in (meson.build). */
#define COCOLOR_LOG_DOMAIN "cocolor"

/* Enums as lists: X (ID, value, nick, label) for each value.  ops/colorize.c
 * names the values COCOLOR_MODE_<ID> and COCOLOR_DEVICE_<ID>. */

/* mode: what the picture is */
#define COCOLOR_OP_MODE "mode"
#define COCOLOR_OP_MODE_LABEL N_ ("Mode")
#define COCOLOR_OP_MODE_MNEMONIC N_ ("_Mode") /* the plug-in dialog's label */
#define COCOLOR_OP_MODE_BLURB                                                                      \
  N_ ("What the picture is: a near-infrared photo, a grayscale photo, or Automatic: guessed from " \
      "the picture (an infrared camera's red cast: near-infrared; gray: grayscale; a colour "      \
      "photo is left as it is)")
/* Values in the order GEGL numbers them; auto came last, so that old
 * settings keep their numbers. */
#define COCOLOR_OP_MODES(X)                                                                        \
  X (NIR, 0, "nir", N_ ("Near-infrared"))                                                          \
  X (GRAY, 1, "gray", N_ ("Grayscale"))                                                            \
  X (AUTO, 2, "auto", N_ ("Automatic"))
#define COCOLOR_OP_MODE_DEFAULT COCOLOR_OP_MODE_AUTO
/* Mode auto's word on a colour photo, which it leaves as it is (the op's
 * warning; the plug-in's message for such a layer). */
#define COCOLOR_OP_COLOUR_PHOTO                                                                    \
  N_ ("This looks like a colour photo: CoColor colorizes near-infrared and grayscale photos, so "  \
      "it leaves it as it is. Choose a mode to colorize it anyway.")

/* strength: how much colour */
#define COCOLOR_OP_STRENGTH "strength"
#define COCOLOR_OP_STRENGTH_LABEL N_ ("Strength")
#define COCOLOR_OP_STRENGTH_MNEMONIC N_ ("S_trength") /* the plug-in dialog's label */
#define COCOLOR_OP_STRENGTH_BLURB N_ ("How much colour to apply; 0 gives back the input")
#define COCOLOR_OP_STRENGTH_MIN 0.0
#define COCOLOR_OP_STRENGTH_MAX 1.0
#define COCOLOR_OP_STRENGTH_DEFAULT 1.0

/* working-size: the long side at which the network sees the picture */
#define COCOLOR_OP_WORKING_SIZE "working-size"
#define COCOLOR_OP_WORKING_SIZE_LABEL N_ ("Working size")
#define COCOLOR_OP_WORKING_SIZE_MNEMONIC N_ ("_Working size") /* the plug-in dialog's label */
#define COCOLOR_OP_WORKING_SIZE_BLURB                                                              \
  N_ ("Long side, in pixels, at which the network sees the whole picture; the colour is then "     \
      "rebuilt at full resolution from the picture's own detail")
/* No smaller: the networks need a few levels of context. */
#define COCOLOR_OP_WORKING_SIZE_MIN 64
#define COCOLOR_OP_WORKING_SIZE_MAX 8192
#define COCOLOR_OP_WORKING_SIZE_UI_MAX 2048 /* the sliders' end */
#define COCOLOR_OP_WORKING_SIZE_DEFAULT 384

/* device: where the network runs */
#define COCOLOR_OP_DEVICE "device"
#define COCOLOR_OP_DEVICE_LABEL N_ ("Device")
#define COCOLOR_OP_DEVICE_MNEMONIC N_ ("_Device") /* the plug-in dialog's label */
#define COCOLOR_OP_DEVICE_BLURB                                                                    \
  N_ ("Where the network runs: a GPU through OpenCL when there is one, or the CPU")
#define COCOLOR_OP_DEVICES(X)                                                                      \
  X (AUTO, 0, "auto", N_ ("Automatic"))                                                            \
  X (CPU, 1, "cpu", N_ ("CPU"))                                                                    \
  X (OPENCL, 2, "opencl", N_ ("OpenCL"))
#define COCOLOR_OP_DEVICE_DEFAULT COCOLOR_OP_DEVICE_AUTO

/* model: a model file; empty: the shipped one for the mode, looked up in
 * $COCOLOR_MODEL_DIR, beside the op module, then in the data folder */
#define COCOLOR_OP_MODEL "model"
#define COCOLOR_OP_MODEL_LABEL N_ ("Model")
#define COCOLOR_OP_MODEL_MNEMONIC N_ ("Model _file") /* the plug-in dialog's label */
#define COCOLOR_OP_MODEL_BLURB                                                                     \
  N_ ("Model file (.safetensors); empty uses the model shipped for the mode")

/* The values by name: COCOLOR_OP_MODE_NIR, ..., COCOLOR_OP_DEVICE_OPENCL
 * (the op's GEGL enums, COCOLOR_MODE_NIR ..., have the same numbers). */
#define COCOLOR_OP_MODE_VALUE_(id, value, nick, label) COCOLOR_OP_MODE_##id = (value),
#define COCOLOR_OP_DEVICE_VALUE_(id, value, nick, label) COCOLOR_OP_DEVICE_##id = (value),
enum
{
  COCOLOR_OP_MODES (COCOLOR_OP_MODE_VALUE_)
};
enum
{
  COCOLOR_OP_DEVICES (COCOLOR_OP_DEVICE_VALUE_)
};

/* The nick of an enum's value:
 * COCOLOR_OP_NICK (COCOLOR_OP_MODES, COCOLOR_OP_MODE_DEFAULT) is "nir". */
#define COCOLOR_OP_NICK_IF_(id, value, nick, label) (value) == cocolor_op_nick_of_ ? nick:
#define COCOLOR_OP_NICK(list, v)                                                                   \
  ({                                                                                               \
    const int cocolor_op_nick_of_ = (v);                                                           \
    list (COCOLOR_OP_NICK_IF_) (const char *) 0;                                                   \
  })
