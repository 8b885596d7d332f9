// Tiptap (inside django-prose-editor) injects its base stylesheet as an inline <style> element,
// which our nonce-based Content-Security-Policy refuses. The same rules are served as a file
// (articles/tiptap.css); this module, loaded before the editor starts, turns the injection off.
import { Editor } from "django-prose-editor/editor";

Editor.prototype.injectCSS = function injectCSS() {};
