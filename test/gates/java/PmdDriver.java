// Runs PMD 7 Apex rules over files or folders and prints one JSON object per line:
// {"kind":"violation",file,line,rule,ruleSet,priority,message} or {"kind":"error",file,message}.
// Usage: java -cp "<pmd jars>/*" PmdDriver.java <ruleset.xml> <path>...
// Exit 0 whatever was found: the caller decides; exit 2 on a usage or configuration error.
import java.nio.file.Path;
import net.sourceforge.pmd.PMDConfiguration;
import net.sourceforge.pmd.PmdAnalysis;
import net.sourceforge.pmd.reporting.Report;
import net.sourceforge.pmd.reporting.RuleViolation;

public class PmdDriver {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: PmdDriver <ruleset.xml> <path>...");
            System.exit(2);
        }
        PMDConfiguration config = new PMDConfiguration();
        config.addRuleSet(args[0]);
        config.setIgnoreIncrementalAnalysis(true);
        config.setThreads(1);
        for (int i = 1; i < args.length; i++) {
            config.addInputPath(Path.of(args[i]));
        }
        try (PmdAnalysis pmd = PmdAnalysis.create(config)) {
            if (pmd.getRulesets().isEmpty()) {
                System.err.println("no rules loaded from " + args[0]);
                System.exit(2);
            }
            Report report = pmd.performAnalysisAndCollectReport();
            for (RuleViolation v : report.getViolations()) {
                System.out.println("{\"kind\":\"violation\",\"file\":" + json(v.getFileId().getOriginalPath())
                    + ",\"line\":" + v.getBeginLine()
                    + ",\"rule\":" + json(v.getRule().getName())
                    + ",\"ruleSet\":" + json(v.getRule().getRuleSetName())
                    + ",\"priority\":" + v.getRule().getPriority().getPriority()
                    + ",\"message\":" + json(v.getDescription()) + "}");
            }
            for (Report.ProcessingError e : report.getProcessingErrors()) {
                System.out.println("{\"kind\":\"error\",\"file\":" + json(e.getFileId().getOriginalPath())
                    + ",\"message\":" + json(e.getMsg()) + "}");
            }
            for (Report.ConfigurationError e : report.getConfigurationErrors()) {
                System.out.println("{\"kind\":\"error\",\"file\":\"\",\"message\":"
                    + json(e.rule().getName() + ": " + e.issue()) + "}");
            }
        }
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
