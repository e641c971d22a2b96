# expect: exercise=compare_optimizers hint=slip
# compare_optimizers stores the losses in a results dict it never created (no `results = {}` before the loop).


def compare_optimizers(grad_fn, loss_fn, x0, steps, optimizers):
    for name, optimizer in optimizers.items():
        trajectory = run_optimizer(optimizer, grad_fn, x0, steps)
        results[name] = [float(loss_fn(x)) for x in trajectory]
    return results
