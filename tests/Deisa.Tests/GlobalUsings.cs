global using System.Threading.Tasks;
global using TaskStatus = Deisa.Core.Scheduling.TaskStatus;
