; CoColor batch: colorizes every file of a folder that matches a pattern
; into another folder (same name, same format), through the procedure
; plug-in-cocolor-colorize.  A file that fails is named at the end and the
; procedure fails, so gimp-console exits non-zero; the other files are
; still done.
;
; It lives in GIMP's scripts folder, served by the script-fu extension,
; and not as a plug-in of its own run by gimp-script-fu-interpreter-3.0:
; in GIMP 3.0.4 that interpreter needs a display even to register, so
; gimp-console on a server would never see the procedure.  Script-Fu
; translates scripts with GIMP's own text domain only, so these few
; messages, meant for a terminal, stay in English.

(define (cocolor-batch-join names)
  (if (null? (cdr names))
      (car names)
      (string-append (car names) ", " (cocolor-batch-join (cdr names)))))

; Colorizes one file; any failure (unreadable file, CoColor error, export)
; raises a Script-Fu error, which the caller catches.
(define (cocolor-batch-one in-file out-file mode strength working-size)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE in-file)))
         (layers (car (gimp-image-get-layers image))))
    (plug-in-cocolor-colorize #:run-mode RUN-NONINTERACTIVE
                              #:image image
                              #:drawables layers
                              #:mode mode
                              #:strength strength
                              #:working-size working-size)
    (gimp-file-save RUN-NONINTERACTIVE image out-file -1)
    (gimp-image-delete image)))

(define (script-fu-cocolor-batch in-dir out-dir pattern mode strength working-size)
  (let* ((files (car (file-glob #:pattern (string-append in-dir "/" pattern)
                                #:filename-encoding FALSE)))
         (failed '()))
    (if (null? files)
        (error (string-append "CoColor: no file in the folder matches " pattern)))
    (for-each
      (lambda (in-file)
        (let ((out-file (string-append out-dir "/" (car (last-pair (strbreakup in-file "/"))))))
          (if (not (catch #f
                     (cocolor-batch-one in-file out-file mode strength (truncate working-size))
                     #t))
              (set! failed (cons in-file failed)))))
      files)
    (if (not (null? failed))
        (error (string-append "CoColor could not colorize: "
                              (cocolor-batch-join (reverse failed)))))))

(script-fu-register-procedure "script-fu-cocolor-batch"
  "CoColor Colorize a Folder"
  "Colorizes every file of a folder that matches a pattern into another folder, with the same name and format"
  "CoColor contributors"
  "2025"
  SF-STRING     "Input folder"  ""
  SF-STRING     "Output folder" ""
  SF-STRING     "File pattern"  "*.jpg"
  SF-STRING     "Mode (nir or gray)" "nir"
  SF-ADJUSTMENT "Strength"      '(1 0 1 0.05 0.1 2 0)
  SF-ADJUSTMENT "Working size"  '(384 0 8192 64 256 0 1))
