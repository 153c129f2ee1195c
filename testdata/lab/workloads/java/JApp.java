// JApp is a lab workload: one operation, failing the way Java services do
// (an uncaught exception with its stack trace).
import java.io.FileOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

public class JApp {
    public static void main(String[] args) throws Exception {
        String action = args[0], arg = args[1];
        switch (action) {
            case "log":
                try (FileOutputStream out = new FileOutputStream(arg, true)) {
                    out.write("started\n".getBytes());
                }
                break;
            case "write":
                Files.writeString(Path.of(arg), "ok\n");
                break;
            case "listen":
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(Integer.parseInt(arg)));
                }
                break;
            case "connect": {
                int colon = arg.lastIndexOf(':');
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new InetSocketAddress(arg.substring(0, colon), Integer.parseInt(arg.substring(colon + 1))), 5000);
                }
                break;
            }
            case "exec": {
                Process p = new ProcessBuilder(java.util.Arrays.copyOfRange(args, 1, args.length)).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new RuntimeException(arg + " exited with status " + p.exitValue());
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unknown action " + action);
        }
        System.out.println(action + " " + arg + ": ok");
        Thread.sleep(2000);
    }
}
