; CoColor batch: colorizes every file of a folder whose name matches a
; pattern into another folder (same name, same format), through the
; procedure plug-in-cocolor-colorize.
;
; It never writes over an existing file: a file whose output exists is left
; alone, so an input can never be replaced, however the two folders are
; spelled and whatever symlink makes them one.  A file that cannot be
; opened, colorized or saved, or whose output exists, is named at the end
; with what went wrong, and the procedure fails, so gimp-console exits
; non-zero; the other files are still done.  What would stop every file (an
; unknown mode, a missing folder, an output folder that cannot be written
; into or that is the input folder) is said before any file is opened.
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

; The mode the network takes, or #f: "nir", and "gray" (or "grey"), in any
; case.  The plug-in would take an unknown one for its default, nir.
(define (cocolor-batch-mode mode)
  (let ((mode (string-downcase mode)))
    (cond ((string=? mode "nir") "nir")
          ((or (string=? mode "gray") (string=? mode "grey")) "gray")
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

; Colorizes in-file into out-file: #t, or what went wrong.  The image is
; deleted whatever happens once it is open.
(define (cocolor-batch-one in-file out-file out-dir mode strength working-size)
  (let* ((image #f)
         (opened (cocolor-batch-try
                   (lambda () (set! image (car (gimp-file-load RUN-NONINTERACTIVE in-file)))))))
    (if (not (eq? opened #t))
        (string-append "could not open " in-file ": " (cocolor-batch-reason opened))
        (let* ((colorized
                 (cocolor-batch-try
                   (lambda ()
                     (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE
                                               #:image image
                                               #:drawables (car (gimp-image-get-layers image))
                                               #:mode mode
                                               #:strength strength
                                               #:working-size working-size))))
               (saved (or (not (eq? colorized #t))
                          (cocolor-batch-try
                            (lambda () (gimp-file-save RUN-NONINTERACTIVE image out-file -1))))))
          (gimp-image-delete image)
          ; A save that failed half-way (a full disk) leaves no partial file:
          ; the output did not exist before, so it can only be ours.
          (if (and (eq? colorized #t) (not (eq? saved #t)) (file-exists? out-file))
              (file-delete out-file))
          (cond ((not (eq? colorized #t))
                 (string-append "could not colorize " in-file ": "
                                (cocolor-batch-reason colorized)))
                ((eq? saved #t) #t)
                ((not (cocolor-batch-folder? out-dir))
                 (string-append "could not save " out-file ": the output folder does not exist"))
                ((eq? (cocolor-batch-probe out-dir out-dir) 'unwritable)
                 (string-append "could not save " out-file ": the output folder is not writable"))
                (else
                 (string-append "could not save " out-file ": " (cocolor-batch-reason saved))))))))

(define (script-fu-cocolor-batch in-dir out-dir pattern mode strength working-size)
  (let ((network-mode (cocolor-batch-mode mode))
        (in-dir (cocolor-batch-folder-name in-dir))
        (out-dir (cocolor-batch-folder-name out-dir)))
    (cond ((not network-mode)
           (error (string-append "CoColor: unknown mode \"" mode
                                 "\": use nir for a near-infrared photo, gray for a grayscale photo")))
          ((not (cocolor-batch-folder? in-dir))
           (error (string-append "CoColor: the input folder " in-dir " does not exist")))
          ((not (cocolor-batch-folder? out-dir))
           (error (string-append "CoColor: the output folder " out-dir
                                 " does not exist: create it first")))
          (else
           (case (cocolor-batch-probe out-dir in-dir)
             ((unwritable)
              (error (string-append "CoColor: the output folder " out-dir
                                    " is not writable: choose one you can write into")))
             ((same)
              (error (string-append "CoColor: the output folder " out-dir " is the input folder "
                                    in-dir "; CoColor never replaces a file: choose another, "
                                    "empty output folder"))))))
    (let ((names (cocolor-batch-list in-dir pattern))
          (failures '())
          (existing '()))
      (if (null? names)
          (error (string-append "CoColor: no file in " in-dir " matches " pattern)))
      (for-each
        (lambda (name)
          (let ((in-file (string-append in-dir "/" name))
                (out-file (string-append out-dir "/" name)))
            (if (cocolor-batch-exists? out-file)
                (set! existing (cons out-file existing))
                (let ((done (cocolor-batch-one in-file out-file out-dir network-mode strength
                                               (truncate working-size))))
                  (if (not (eq? done #t))
                      (set! failures (cons done failures)))))))
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
                                  (cocolor-batch-join (reverse failures) "\n  "))))))))

(script-fu-register-procedure "script-fu-cocolor-batch"
  "CoColor Colorize a Folder"
  "Colorizes every file of a folder that matches a pattern into another folder, with the same name and format; never writes over an existing file"
  "CoColor contributors"
  "2025"
  SF-STRING     "Input folder"  ""
  SF-STRING     "Output folder" ""
  SF-STRING     "File pattern"  "*.jpg"
  SF-STRING     "Mode (nir or gray)" "nir"
  SF-ADJUSTMENT "Strength"      '(1 0 1 0.05 0.1 2 0)
  SF-ADJUSTMENT "Working size"  '(384 0 8192 64 256 0 1))
