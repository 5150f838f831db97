; CoColor batch: colorizes every file of a folder whose name matches a
; pattern into another folder (same name, same format), through the
; procedure plug-in-cocolor-colorize.
;
; Nothing of the photographer's is lost: each file is written by its
; format's own export procedure with the EXIF, XMP and IPTC it had, its ICC
; profile and its bit depth (a 16-bit PNG or TIFF stays 16-bit; the plug-in
; keeps the image's precision), as far as the format holds them; other
; formats go through GIMP's generic save.  Mode "auto" lets the plug-in
; tell each file what it is; a colour photo is left alone, not written.
; One line per file on standard output says what was done to it.
;
; Colour hints, optional: in a hints folder, a PNG of a file's base name
; (photos/a.jpg -> hints/a.png) is that file's hint picture (colours where
; it is opaque, at 0,0 on the picture).  It goes in as a layer, is given to
; the plug-in, and is taken out before the save, which it leaves as it was.
;
; It never writes over an existing file: a file whose output exists is left
; alone, so an input can never be replaced, however the two folders are
; spelled and whatever symlink makes them one.  A file that cannot be
; opened, colorized or saved, or whose output exists, is named at the end
; with what went wrong, and the procedure fails, so gimp-console exits
; non-zero; the other files are still done.  What would stop every file (an
; unknown mode, a missing input folder, an output folder that cannot be
; made, written into or that is the input folder, a missing hints folder)
; is said before any file is opened; a missing output folder is made, with
; its parents.
;
; It lives in GIMP's scripts folder, served by the script-fu extension,
; and not as a plug-in of its own run by gimp-script-fu-interpreter-3.0:
; in GIMP 3.0.4 that interpreter needs a display even to register, so
; gimp-console on a server would never see the procedure.  Script-Fu
; translates scripts with GIMP's own text domain only, so these few
; messages, meant for a terminal, stay in English.

(define (cocolor-batch-join strings separator)
  (if (null? (cdr strings))
      (car strings)
      (string-append (car strings) separator (cocolor-batch-join (cdr strings) separator))))

; The mode given to the plug-in, or #f: "nir", "gray" (or "grey") and
; "auto", in any case.  The plug-in would take an unknown one for its
; default, nir.
(define (cocolor-batch-mode mode)
  (let ((mode (string-downcase mode)))
    (cond ((string=? mode "nir") "nir")
          ((or (string=? mode "gray") (string=? mode "grey")) "gray")
          ((string=? mode "auto") "auto")
          (else #f))))

; A folder as given, without the slashes at its end ("/" stays).
(define (cocolor-batch-folder-name folder)
  (let ((length (string-length folder)))
    (if (and (> length 1) (char=? (string-ref folder (- length 1)) #\/))
        (cocolor-batch-folder-name (substring folder 0 (- length 1)))
        folder)))

(define (cocolor-batch-folder? path)
  (let ((dir (dir-open-stream path)))
    (and dir (begin (dir-close-stream dir) #t))))

; Whether anything is at path: a file, a folder, or a symlink, even one
; that points nowhere (saving would write through it).
(define (cocolor-batch-exists? path)
  (or (file-exists? path) (= (file-type path) FILE-TYPE-LINK)))

; The folder that holds path ("/" for "/a"), or #f for a bare name.
(define (cocolor-batch-parent path)
  (let last ((i (- (string-length path) 1)))
    (cond ((< i 0) #f)
          ((char=? (string-ref path i) #\/)
           (if (= i 0) "/" (cocolor-batch-folder-name (substring path 0 i))))
          (else (last (- i 1))))))

; Makes the folder path and the folders above it that are missing; whether
; path is a folder then.
(define (cocolor-batch-make-folder path)
  (or (cocolor-batch-folder? path)
      (let ((parent (cocolor-batch-parent path)))
        (and (or (not parent) (cocolor-batch-make-folder parent))
             (begin
               (dir-make path)
               (cocolor-batch-folder? path))))))

; Tries a probe file in out-dir, under a name free in both folders, removed
; at once: 'unwritable when it cannot be made, 'same when it shows in in-dir
; too (the folders are one, however spelled, through whatever symlink),
; else 'ok.
(define (cocolor-batch-probe out-dir in-dir)
  (let try ((n 0))
    (let* ((name (string-append ".cocolor-probe-" (number->string n)))
           (probe (string-append out-dir "/" name))
           (mirror (string-append in-dir "/" name)))
      (if (or (cocolor-batch-exists? probe) (cocolor-batch-exists? mirror))
          (try (+ n 1))
          (let ((port (open-output-file probe)))
            (if (not port)
                'unwritable
                (let ((same (file-exists? mirror)))
                  (close-output-port port)
                  (file-delete probe)
                  (if same 'same 'ok))))))))

; The pattern is matched here, against each name of the folder, as GIMP's
; file-glob matches: * and ? and [...] ([!...] or [^...] for "not"), \ to
; take the next character as it is, and a name that starts with a dot
; matched only by a dot.  Not file-glob itself: it opens the folder part of
; its pattern as it is but also matches it as a pattern, so a folder whose
; name holds [ or \ never matches, and no escaping helps (an escaped name
; is no longer the folder's).

; Whether the character c is in the class that starts at p (the list after
; "["), and the pattern after its "]": (in? . rest), or #f when the class
; has no "]" (the "[" is then an ordinary character).
(define (cocolor-batch-class p c)
  (let* ((negated (and (pair? p) (memv (car p) '(#\! #\^))))
         (p (if negated (cdr p) p)))
    (let next ((p p) (first #t) (in #f))
      (cond ((null? p) #f)
            ((and (char=? (car p) #\]) (not first))
             (cons (if negated (not in) in) (cdr p)))
            (else
             (let* ((escaped (and (char=? (car p) #\\) (pair? (cdr p))))
                    (low (if escaped (cadr p) (car p)))
                    (p (if escaped (cddr p) (cdr p))))
               (if (and (pair? p) (char=? (car p) #\-)
                        (pair? (cdr p)) (not (char=? (cadr p) #\])))
                   (let* ((escaped (and (char=? (cadr p) #\\) (pair? (cddr p))))
                          (high (if escaped (caddr p) (cadr p)))
                          (p (if escaped (cdddr p) (cddr p))))
                     (next p #f (or in (and (char<=? low c) (char<=? c high)))))
                   (next p #f (or in (char=? low c))))))))))

; Whether the name s (a list of characters) matches the pattern p (a list
; of characters); start: s is the whole name.
(define (cocolor-batch-match? p s start)
  (let ((hidden (and start (pair? s) (char=? (car s) #\.))))
    (cond ((null? p) (null? s))
          ((char=? (car p) #\*)
           (and (not hidden)
                (let more ((s s))
                  (or (cocolor-batch-match? (cdr p) s #f)
                      (and (pair? s) (more (cdr s)))))))
          ((null? s) #f)
          ((char=? (car p) #\?)
           (and (not hidden) (cocolor-batch-match? (cdr p) (cdr s) #f)))
          ((char=? (car p) #\[)
           (let ((class (cocolor-batch-class (cdr p) (car s))))
             (if class
                 (and (car class) (not hidden) (cocolor-batch-match? (cdr class) (cdr s) #f))
                 (and (char=? (car s) #\[) (cocolor-batch-match? (cdr p) (cdr s) #f)))))
          ((and (char=? (car p) #\\) (pair? (cdr p)))
           (and (char=? (cadr p) (car s)) (cocolor-batch-match? (cddr p) (cdr s) #f)))
          (else
           (and (char=? (car p) (car s)) (cocolor-batch-match? (cdr p) (cdr s) #f))))))

(define (cocolor-batch-sort strings)
  (define (merge a b)
    (cond ((null? a) b)
          ((null? b) a)
          ((string<? (car b) (car a)) (cons (car b) (merge a (cdr b))))
          (else (cons (car a) (merge (cdr a) b)))))
  (let split ((rest strings) (a '()) (b '()))
    (cond ((not (null? rest)) (split (cdr rest) (cons (car rest) b) a))
          ((null? b) a)
          (else (merge (cocolor-batch-sort a) (cocolor-batch-sort b))))))

; The names of the files (not folders) in folder that match pattern, sorted.
(define (cocolor-batch-list folder pattern)
  (let ((dir (dir-open-stream folder))
        (p (string->list pattern))
        (names '()))
    (let next ((name (dir-read-entry dir)))
      (if (not (eof-object? name))
          (begin
            (if (and (cocolor-batch-match? p (string->list name) #t)
                     (not (cocolor-batch-folder? (string-append folder "/" name))))
                (set! names (cons name names)))
            (next (dir-read-entry dir)))))
    (dir-close-stream dir)
    (cocolor-batch-sort names)))

; Calls thunk; #t when it returns, else the message of the Script-Fu error a
; failing PDB call raised in it (catch alone keeps only that it failed).
(define (cocolor-batch-try thunk)
  (let ((hook *error-hook*)
        (message "unknown error"))
    (set! *error-hook*
          (lambda args
            (if (and (pair? args) (string? (car args)))
                (set! message (car args)))
            (apply hook args)))
    (let ((done (catch #f (thunk) #t)))
      (set! *error-hook* hook)
      (or done message))))

; The index of the first "needle" in text at or after start, or #f.
(define (cocolor-batch-find text needle start)
  (let ((end (- (string-length text) (string-length needle))))
    (let next ((i start))
      (cond ((> i end) #f)
            ((string=? (substring text i (+ i (string-length needle))) needle) i)
            (else (next (+ i 1)))))))

; GIMP's own words in a Script-Fu error message: without "Procedure
; execution of gimp-file-load failed: " in front, nor the " (file : line)"
; Script-Fu adds behind.
(define (cocolor-batch-reason message)
  (let* ((failed (and (cocolor-batch-find message "Procedure execution of " 0)
                      (cocolor-batch-find message ": " 0)))
         (text (if failed (substring message (+ failed 2) (string-length message)) message))
         (place (cocolor-batch-find text " (" 0)))
    (let last ((place place))
      (let ((later (and place (cocolor-batch-find text " (" (+ place 1)))))
        (cond (later (last later))
              ((and place (cocolor-batch-find text " : " place))
               (substring text 0 place))
              (else text))))))

; The name's extension after its last dot, in lower case ("" without one).
(define (cocolor-batch-extension name)
  (let last ((i (- (string-length name) 1)))
    (cond ((< i 0) "")
          ((char=? (string-ref name i) #\.)
           (string-downcase (substring name (+ i 1) (string-length name))))
          ((char=? (string-ref name i) #\/) "")
          (else (last (- i 1))))))

(define (cocolor-batch-has-parasite? image name)
  (and (member name (car (gimp-image-get-parasite-list image))) #t))

(define (cocolor-batch-flag condition) (if condition TRUE FALSE))

; The quality a JPEG was saved with, 0-1, as GIMP's JPEG loader found it
; (the second byte of its "jpeg-settings" parasite, which Script-Fu gives
; as a string cut at the first zero byte), or #f.  Exported at no lower
; quality than that, a JPEG does not lose more than it must.  Caught: the
; parasite is GIMP's own business, and the save must not fail for it.
(define (cocolor-batch-jpeg-quality image)
  (catch #f
    (and (cocolor-batch-has-parasite? image "jpeg-settings")
         (let* ((data (caddr (car (gimp-image-get-parasite image "jpeg-settings"))))
                (quality (and (string? data) (> (string-length data) 1)
                              (char->integer (string-ref data 1)))))
           (and quality (<= 1 quality 100) (/ quality 100))))))

; Writes image into file with its format's own export procedure and every
; piece of metadata the format holds (GIMP's generic save, as gimp-console
; runs it, writes none of them, and no profile); its ICC profile only when
; it has one of its own, so that none is added.  No Exif thumbnail for a
; 16-bit image: GIMP 3.0.4 cannot make one (a CRITICAL, then none).  Other
; formats: the generic save.
(define (cocolor-batch-save image file)
  (let* ((extension (cocolor-batch-extension file))
         (profile (cocolor-batch-flag (cocolor-batch-has-parasite? image "icc-profile")))
         (comment (cocolor-batch-flag (cocolor-batch-has-parasite? image "gimp-comment")))
         ; 8-bit precisions are 100-175, 16-bit 200-275, and so on.
         (deep (>= (car (gimp-image-get-precision image)) PRECISION-U16-LINEAR))
         (thumbnail (cocolor-batch-flag (not deep))))
    (cond ((member extension '("jpg" "jpeg" "jpe" "jfif"))
           (file-jpeg-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                             #:quality (max 0.9 (or (cocolor-batch-jpeg-quality image) 0))
                             #:include-exif TRUE #:include-iptc TRUE #:include-xmp TRUE
                             #:include-color-profile profile #:include-comment comment))
          ((string=? extension "png")
           ; format "auto": the image's own bit depth.
           (file-png-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                            #:include-exif TRUE #:include-iptc TRUE #:include-xmp TRUE
                            #:include-thumbnail thumbnail #:include-color-profile profile
                            #:include-comment comment))
          ((member extension '("tif" "tiff"))
           (file-tiff-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                             #:compression "lzw"
                             #:include-exif TRUE #:include-iptc TRUE #:include-xmp TRUE
                             #:include-thumbnail thumbnail #:include-color-profile profile
                             #:include-comment comment))
          ((string=? extension "webp")
           (file-webp-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                             #:include-exif TRUE #:include-iptc TRUE #:include-xmp TRUE
                             #:include-thumbnail thumbnail #:include-color-profile profile))
          ((string=? extension "psd")
           (file-psd-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                            #:include-exif TRUE #:include-iptc TRUE #:include-xmp TRUE
                            #:include-thumbnail thumbnail #:include-color-profile profile))
          ; Optional in GIMP builds (libjxl); 8 bits unless told.
          ((and (string=? extension "jxl")
                (= (car (gimp-pdb-procedure-exists "file-jpegxl-export")) TRUE))
           (file-jpegxl-export #:run-mode RUN-NONINTERACTIVE #:image image #:file file #:options -1
                               #:save-bit-depth (if deep 16 8)
                               #:include-exif TRUE #:include-xmp TRUE))
          (else (gimp-file-save RUN-NONINTERACTIVE image file -1)))))

; The mode the plug-in says it used: the "applied-modes" it returns (one
; nick per layer, "none" for a layer it left alone: a colour photo in mode
; auto), as one string; or the mode asked for, when it returns nothing.
(define (cocolor-batch-applied result asked)
  (let* ((value (and (pair? result) (car result)))
         (modes (cond ((string? value) (list value))
                      ((vector? value) (vector->list value))
                      ((and (pair? value) (string? (car value))) value)
                      (else '()))))
    (if (null? modes)
        asked
        (let unique ((modes modes) (seen '()))
          (cond ((null? modes) (cocolor-batch-join (reverse seen) "+"))
                ((member (car modes) seen) (unique (cdr modes) seen))
                (else (unique (cdr modes) (cons (car modes) seen))))))))

; Whether the plug-in takes mode auto and says which mode it used; asked of
; a small gray picture made for the purpose before any file is touched.  A
; plug-in that does not know auto takes its default mode instead, silently
; (a GLib CRITICAL only), so one that says nothing cannot be trusted with it.
(define (cocolor-batch-check-auto)
  (let* ((image (car (gimp-image-new 16 16 RGB)))
         (layer (car (gimp-layer-new image "CoColor probe" 16 16 RGB-IMAGE 100
                                     LAYER-MODE-NORMAL)))
         (applied #f)
         (result
           (begin
             (gimp-image-insert-layer image layer 0 0)
             (gimp-drawable-fill layer FILL-WHITE)
             (cocolor-batch-try
               (lambda ()
                 (set! applied
                       (cocolor-batch-applied
                         (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE #:image image
                                                   #:drawables (vector layer) #:mode "auto")
                         #f)))))))
    (gimp-image-delete image)
    (cond ((not (eq? result #t))
           (error (string-append "CoColor: mode auto could not be tried: "
                                 (cocolor-batch-reason result))))
          ((not applied)
           (error (string-append "CoColor: mode auto needs a CoColor plug-in that says which "
                                 "mode it used for each file, and this one does not: update "
                                 "CoColor, or give nir or gray"))))))

; The name without its last extension ("a.b.jpg" -> "a.b"; ".b.png" -> ".b";
; a name whose only dot starts it, or without one, as it is).
(define (cocolor-batch-base name)
  (let last ((i (- (string-length name) 1)))
    (cond ((<= i 0) name)
          ((char=? (string-ref name i) #\.) (substring name 0 i))
          (else (last (- i 1))))))

; The hint picture of the file name: the PNG of its base name in hints-dir,
; or #f when there is none (or no hints-dir).
(define (cocolor-batch-hints-file hints-dir name)
  (and hints-dir
       (let ((file (string-append hints-dir "/" (cocolor-batch-base name) ".png")))
         (and (file-exists? file) (not (cocolor-batch-folder? file)) file))))

; Loads the hint picture file into image as its top layer, at 0,0 whatever
; its size (the plug-in ignores what lies outside the picture), and returns
; it.  A grayscale or indexed image is made RGB first, as the plug-in makes
; it anyway: the layer takes the image's type, and a gray one would lose the
; hints' colours.
(define (cocolor-batch-add-hints image file)
  (if (not (= (car (gimp-image-get-base-type image)) RGB))
      (gimp-image-convert-rgb image))
  (let ((layer (car (gimp-file-load-layer RUN-NONINTERACTIVE image file))))
    (gimp-image-insert-layer image layer 0 0)
    (gimp-layer-set-offsets layer 0 0)
    layer))

; Whether the plug-in takes a hints layer, asked before any file is
; touched, as cocolor-batch-check-auto asks, in the mode asked (whose
; model must load): else every file with hints would fail, each for the
; same reason.  The probe's hints are transparent: no note about a model
; that takes none.
(define (cocolor-batch-check-hints mode)
  (let* ((image (car (gimp-image-new 16 16 RGB)))
         (layer (car (gimp-layer-new image "CoColor probe" 16 16 RGB-IMAGE 100
                                     LAYER-MODE-NORMAL)))
         (hints (car (gimp-layer-new image "CoColor probe hints" 16 16 RGBA-IMAGE 100
                                     LAYER-MODE-NORMAL)))
         (result
           (begin
             (gimp-image-insert-layer image layer 0 0)
             (gimp-image-insert-layer image hints 0 0)
             (gimp-drawable-fill layer FILL-WHITE)
             (gimp-drawable-fill hints FILL-TRANSPARENT)
             (cocolor-batch-try
               (lambda ()
                 (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE #:image image
                                           #:drawables (vector layer) #:mode mode
                                           #:working-size 64 #:hints-layer hints))))))
    (gimp-image-delete image)
    (if (not (eq? result #t))
        (error (string-append "CoColor: hints could not be tried: "
                              (cocolor-batch-reason result)
                              (if (cocolor-batch-find result "hints-layer" 0)
                                  "; this CoColor plug-in takes no hints: update CoColor"
                                  ""))))))

; Colorizes in-file into out-file, with the hint picture hints-file unless
; it is #f: (done . mode), (skipped . why), or (failed . what went wrong).
; The image is deleted whatever happens once it is open.
(define (cocolor-batch-one in-file out-file out-dir mode strength working-size hints-file)
  (let* ((image #f)
         (hints #f)
         (applied mode)
         (opened (cocolor-batch-try
                   (lambda () (set! image (car (gimp-file-load RUN-NONINTERACTIVE in-file)))))))
    (if (not (eq? opened #t))
        (cons 'failed (string-append "could not open " in-file ": " (cocolor-batch-reason opened)))
        (let* ((layers (car (gimp-image-get-layers image)))
               (hinted (or (not hints-file)
                           (cocolor-batch-try
                             (lambda () (set! hints (cocolor-batch-add-hints image hints-file))))))
               ; Not colorized when the hints could not be loaded.
               (colorized
                 (if (not (eq? hinted #t))
                     hinted
                     (cocolor-batch-try
                       (lambda ()
                         (set! applied
                               (cocolor-batch-applied
                                 (if hints
                                     (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE
                                                               #:image image
                                                               #:drawables layers
                                                               #:mode mode
                                                               #:strength strength
                                                               #:working-size working-size
                                                               #:hints-layer hints)
                                     (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE
                                                               #:image image
                                                               #:drawables layers
                                                               #:mode mode
                                                               #:strength strength
                                                               #:working-size working-size))
                                 mode))
                         ; The saved file gets no layer of ours.
                         (if hints (gimp-image-remove-layer image hints))))))
               (colour (and (eq? colorized #t) (string=? applied "none")))
               (saved (or (not (eq? colorized #t)) colour
                          (cocolor-batch-try (lambda () (cocolor-batch-save image out-file))))))
          (gimp-image-delete image)
          ; A save that failed half-way (a full disk) leaves no partial file:
          ; the output did not exist before, so it can only be ours.
          (if (and (eq? colorized #t) (not (eq? saved #t)) (file-exists? out-file))
              (file-delete out-file))
          (cond ((not (eq? hinted #t))
                 (cons 'failed (string-append "could not open the hints " hints-file ": "
                                              (cocolor-batch-reason hinted))))
                ((not (eq? colorized #t))
                 (cons 'failed (string-append "could not colorize " in-file ": "
                                              (cocolor-batch-reason colorized))))
                (colour
                 (cons 'skipped "a colour photo, skipped: colour photos need no colorizing"))
                ((eq? saved #t) (cons 'done applied))
                ((not (cocolor-batch-folder? out-dir))
                 (cons 'failed (string-append "could not save " out-file
                                              ": the output folder does not exist")))
                ((eq? (cocolor-batch-probe out-dir out-dir) 'unwritable)
                 (cons 'failed (string-append "could not save " out-file
                                              ": the output folder is not writable")))
                (else
                 (cons 'failed (string-append "could not save " out-file ": "
                                              (cocolor-batch-reason saved)))))))))

(define (cocolor-batch-say . strings)
  (display (apply string-append strings))
  (newline))

; The hints folder is optional, last, so that calls made before it existed
; (six arguments) still work: "" or none, no hints.
(define (script-fu-cocolor-batch in-dir out-dir pattern mode strength working-size . hints)
  (let ((asked (cocolor-batch-mode mode))
        (in-dir (cocolor-batch-folder-name in-dir))
        (out-dir (cocolor-batch-folder-name out-dir))
        (hints-dir (and (pair? hints) (string? (car hints)) (not (string=? (car hints) ""))
                        (cocolor-batch-folder-name (car hints)))))
    (cond ((not asked)
           (error (string-append "CoColor: unknown mode \"" mode
                                 "\": use nir for a near-infrared photo, gray (or grey) for a "
                                 "grayscale photo, or auto to let CoColor tell each photo")))
          ((not (cocolor-batch-folder? in-dir))
           (error (string-append "CoColor: the input folder " in-dir " does not exist")))
          ((and hints-dir (not (cocolor-batch-folder? hints-dir)))
           (error (string-append "CoColor: the hints folder " hints-dir " does not exist"))))
    (let ((names (cocolor-batch-list in-dir pattern))
          (failures '())
          (existing '())
          (skipped 0)
          (with-hints 0)
          (index 0))
      (if (null? names)
          (error (string-append "CoColor: no file in " in-dir " matches " pattern)))
      (if (string=? asked "auto")
          (cocolor-batch-check-auto))
      (if hints-dir
          (cocolor-batch-check-hints asked))
      (if (not (cocolor-batch-folder? out-dir))
          (if (cocolor-batch-make-folder out-dir)
              (cocolor-batch-say "CoColor: made the output folder " out-dir)
              (error (string-append "CoColor: the output folder " out-dir
                                    " does not exist and could not be made"))))
      (case (cocolor-batch-probe out-dir in-dir)
        ((unwritable)
         (error (string-append "CoColor: the output folder " out-dir
                               " is not writable: choose one you can write into")))
        ((same)
         (error (string-append "CoColor: the output folder " out-dir " is the input folder "
                               in-dir "; CoColor never replaces a file: choose another, "
                               "empty output folder"))))
      (for-each
        (lambda (name)
          (let ((in-file (string-append in-dir "/" name))
                (out-file (string-append out-dir "/" name))
                (line (begin
                        (set! index (+ index 1))
                        (string-append "[" (number->string index) "/"
                                       (number->string (length names)) "] " name ": "))))
            (if (cocolor-batch-exists? out-file)
                (begin
                  (set! existing (cons out-file existing))
                  (cocolor-batch-say line "not done: " out-file " exists"))
                (let* ((hints-file (cocolor-batch-hints-file hints-dir name))
                       (result (cocolor-batch-one in-file out-file out-dir asked strength
                                                  (truncate working-size) hints-file)))
                  (case (car result)
                    ((done)
                     (if hints-file (set! with-hints (+ with-hints 1)))
                     (cocolor-batch-say line (cdr result)
                                        (if hints-file
                                            (string-append " with the hints " hints-file)
                                            "")
                                        ", done"))
                    ((skipped)
                     (set! skipped (+ skipped 1))
                     (cocolor-batch-say line (cdr result)))
                    (else
                     (set! failures (cons (cdr result) failures))
                     (cocolor-batch-say line "FAILED: " (cdr result))))))))
        names)
      (let ((count (+ (length failures) (length existing))))
        (if (not (null? existing))
            (set! failures
                  (cons (string-append (cocolor-batch-join (reverse existing) ", ")
                                       (if (null? (cdr existing)) " exists" " exist")
                                       "; CoColor never replaces a file: choose an empty "
                                       "output folder or remove "
                                       (if (null? (cdr existing)) "it" "them"))
                        failures)))
        (if (> count 0)
            (error (string-append "CoColor: " (number->string count) " of "
                                  (number->string (length names)) " files not done:\n  "
                                  (cocolor-batch-join (reverse failures) "\n  "))))
        (cocolor-batch-say "CoColor: " (number->string (- (length names) skipped)) " of "
                           (number->string (length names)) " files colorized"
                           (cond ((= skipped 0) "")
                                 ((= skipped 1) ", 1 colour photo left alone")
                                 (else (string-append ", " (number->string skipped)
                                                      " colour photos left alone")))
                           (if hints-dir
                               (string-append ", " (number->string with-hints)
                                              " with hints from " hints-dir)
                               ""))))))

(script-fu-register-procedure "script-fu-cocolor-batch"
  "CoColor Colorize a Folder"
  "Colorizes every file of a folder that matches a pattern into another folder, with the same name and format; never writes over an existing file"
  "CoColor contributors"
  "2025"
  SF-STRING     "Input folder"  ""
  SF-STRING     "Output folder" ""
  SF-STRING     "File pattern"  "*.jpg"
  SF-STRING     "Mode (nir, gray or auto)" "nir"
  SF-ADJUSTMENT "Strength"      '(1 0 1 0.05 0.1 2 0)
  SF-ADJUSTMENT "Working size"  '(384 64 8192 64 256 0 1)
  SF-STRING     "Hints folder (optional)" "")
