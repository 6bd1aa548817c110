# Prints each failed test of a .trx file: its name, the tail of its output, its failure message and the top of its stack.
function unescape(s) {
  gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "'", s); gsub(/&amp;/, "\\&", s)
  return s
}
/<UnitTestResult / && /outcome="Failed"/ {
  failed = 1; section = ""; n = 0
  name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
  print "--- " unescape(name)
  if ($0 ~ /\/>[[:space:]]*$/) failed = 0 # no output, no error info
}
failed && /<StdOut>/ { section = "out"; sub(/.*<StdOut>/, "") }
failed && /<Message>/ { section = "message"; sub(/.*<Message>/, ""); print "message:" }
failed && /<StackTrace>/ { section = "stack"; sub(/.*<StackTrace>/, ""); lines = 0; print "stack:" }
failed && section == "out" {
  done = sub(/<\/StdOut>.*/, "")
  out[n++ % 25] = $0
  if (done) {
    print "output (last lines):"
    for (i = (n > 25 ? n - 25 : 0); i < n; i++) print "  " unescape(out[i % 25])
    section = ""
  }
  next
}
failed && section == "message" { done = sub(/<\/Message>.*/, ""); print "  " unescape($0); if (done) section = ""; next }
failed && section == "stack" { done = sub(/<\/StackTrace>.*/, ""); if (lines++ < 8) print "  " unescape($0); if (done) section = ""; next }
/<\/UnitTestResult>/ { failed = 0 }
