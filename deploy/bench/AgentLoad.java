import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native agent into a running JVM: {@code java AgentLoad.java PID LIBRARY OPTIONS}. The
 * benchmarks use it to start and stop async-profiler around a measured phase (jcmd's
 * JVMTI.agent_load reads the "=" in the profiler's options as its own arguments).
 */
public class AgentLoad {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args.length > 2 ? args[2] : null);
        } finally {
            vm.detach();
        }
    }
}
